import type { CallSignal, CallView, ChorusEvent } from '@chorus/client';
import { chorus } from '../../app/client';
import { createPeer, openLocalMedia, type Peer } from './peer';

export type CallPhase = 'incoming' | 'ringing' | 'connecting' | 'connected' | 'reconnecting' | 'ended';

export interface CallState {
  call: CallView;
  /** Whether we called (and so make the offer) or were called. */
  role: 'caller' | 'callee';
  peer: { id: number; name: string };
  phase: CallPhase;
  connectionState: RTCPeerConnectionState;
  local: MediaStream | null;
  remote: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  /** Our microphone or camera could not be opened (the call goes on, receiving only). */
  noMedia: boolean;
}

/** A call's status change or signal, with the call's id either way. */
type CallEvent = Extract<ChorusEvent, { type: 'call.updated' | 'call.signal' }> & { callId: number };

/**
 * The one call this tab takes part in, as a small store for React (useSyncExternalStore):
 * CallLayer shows it, CallButtons start it, and CallLayer feeds it the live call events.
 */
let state: CallState | null = null;
let peer: Peer | null = null;
/** Signals and offers are handled one at a time, in order, once the peer exists. */
let inbox: Promise<void> = Promise.resolve();
let peerReady: Promise<Peer | null> = Promise.resolve(null);
/** Events of a call we started but whose id we do not know yet (the start call still on its way). */
let early: CallEvent[] = [];
const listeners = new Set<() => void>();

function set(next: CallState | null): void {
  state = next;
  for (const listener of listeners) listener();
}
function update(patch: Partial<CallState>): void {
  if (state) set({ ...state, ...patch });
}

export const callStore = {
  subscribe: (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
  get: () => state,
};

const busy = () => state !== null && state.phase !== 'ended';

function run(task: (p: Peer) => Promise<void>): void {
  inbox = inbox
    .then(async () => {
      const p = await peerReady;
      if (p && p === peer) await task(p);
    })
    .catch((error: unknown) => console.warn('call negotiation failed', error));
}

function preparePeer(callId: number, media: CallView['media'], local: MediaStream | null): void {
  const send = (signal: CallSignal) => chorus.calls.signal.mutate({ callId, ...signal });
  peerReady = createPeer(media, local, send, onPeerChange).then((created) => {
    if (state?.call.id !== callId || state.phase === 'ended') {
      created.close();
      return null;
    }
    peer = created;
    update({ remote: created.remote });
    return created;
  });
}

function onPeerChange(): void {
  if (!peer || !state) return;
  const connectionState = peer.pc.connectionState;
  const phase: CallPhase =
    connectionState === 'connected' ? 'connected' : connectionState === 'disconnected' || connectionState === 'failed' ? 'reconnecting' : state.phase;
  update({ connectionState, phase });
  // A lost path (network change, socket back elsewhere): the caller renegotiates with new candidates.
  if (connectionState === 'failed' && state.role === 'caller') run((p) => p.offer({ iceRestart: true }));
}

function end(call: CallView | null): void {
  peer?.close();
  peer = null;
  peerReady = Promise.resolve(null);
  for (const track of state?.local?.getTracks() ?? []) track.stop();
  if (state) set({ ...state, call: call ?? state.call, phase: 'ended', connectionState: 'closed', local: null });
}

/** Calls `peer` (a friend): opens the microphone (and camera), rings them, offers once they answer. */
export async function startCall(callee: { id: number; name: string }, media: CallView['media']): Promise<void> {
  if (busy()) throw new Error('busy');
  const local = await openLocalMedia(media);
  let call: CallView;
  try {
    call = (await chorus.calls.start.mutate({ calleeId: callee.id, media })).call;
  } catch (error) {
    for (const track of local?.getTracks() ?? []) track.stop();
    throw error;
  }
  set({ call, role: 'caller', peer: callee, phase: 'ringing', connectionState: 'new', local, remote: null, muted: false, cameraOff: false, noMedia: !local });
  preparePeer(call.id, media, local);
  const missed = early.filter((event) => event.callId === call.id);
  early = [];
  for (const event of missed) onCallEvent(event);
}

export async function acceptCall(): Promise<void> {
  if (!state || state.phase !== 'incoming') return;
  const { call } = state;
  update({ phase: 'connecting' });
  const local = await openLocalMedia(call.media);
  // Declined, cancelled or answered elsewhere while the devices opened.
  const now = callStore.get();
  if (now?.call.id !== call.id || now.phase === 'ended') {
    for (const track of local?.getTracks() ?? []) track.stop();
    return;
  }
  update({ local, noMedia: !local });
  // The peer exists before we answer: the caller's offer follows the answer at once.
  preparePeer(call.id, call.media, local);
  try {
    await chorus.calls.accept.mutate({ callId: call.id });
  } catch (error) {
    end(null);
    throw error;
  }
}

export async function declineCall(): Promise<void> {
  if (!state) return;
  const { call } = state;
  end(null);
  set(null);
  await chorus.calls.reject.mutate({ callId: call.id });
}

export async function hangUp(): Promise<void> {
  if (!state || state.phase === 'ended') return;
  const { call, role, phase } = state;
  end(null);
  const ended =
    role === 'caller' && phase === 'ringing' ? await chorus.calls.cancel.mutate({ callId: call.id }) : await chorus.calls.hangup.mutate({ callId: call.id });
  if (state?.call.id === ended.id) update({ call: ended });
}

export function toggleMute(): void {
  if (!state) return;
  const muted = !state.muted;
  for (const track of state.local?.getAudioTracks() ?? []) track.enabled = !muted;
  update({ muted });
}

export function toggleCamera(): void {
  if (!state) return;
  const cameraOff = !state.cameraOff;
  for (const track of state.local?.getVideoTracks() ?? []) track.enabled = !cameraOff;
  update({ cameraOff });
}

export function dismiss(): void {
  if (state?.phase === 'ended') set(null);
}

function onCallEvent(event: CallEvent): void {
  if (!state || state.call.id !== event.callId) return;
  if (event.type === 'call.signal') {
    const signal: CallSignal = event.kind === 'ice' ? { kind: 'ice', payload: event.payload } : { kind: event.kind, payload: event.payload };
    run((p) => p.receive(signal));
    return;
  }
  const { call } = event;
  if (call.status === 'ended') {
    // A ring that stops unanswered just goes away (a missed call is a notification).
    if (state.phase === 'incoming') return set(null);
    return end(call);
  }
  if (call.status !== 'active') return update({ call });
  if (state.phase === 'incoming') {
    // Answered on another of our devices: stop ringing here.
    set(null);
    return;
  }
  update({ call, phase: state.phase === 'ringing' ? 'connecting' : state.phase });
  if (state.role === 'caller') run((p) => p.offer());
}

/** Feeds the app's live events to the call (CallLayer calls this for every event). */
export function onChorusEvent(event: ChorusEvent): void {
  if (event.type === 'call.incoming') {
    if (busy()) return;
    set({
      call: event.call,
      role: 'callee',
      peer: { id: event.caller.id, name: event.caller.displayName },
      phase: 'incoming',
      connectionState: 'new',
      local: null,
      remote: null,
      muted: false,
      cameraOff: false,
      noMedia: false,
    });
    return;
  }
  if (event.type === 'call.updated' || event.type === 'call.signal') {
    const callEvent: CallEvent = event.type === 'call.updated' ? { ...event, callId: event.call.id } : event;
    if (state?.call.id === callEvent.callId) onCallEvent(callEvent);
    else early = [...early.slice(-50), callEvent];
  }
}
