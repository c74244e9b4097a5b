import type { CallSignal, ChorusEvent } from '@chorus/client';
import type { RTCDataChannel, RTCPeerConnection } from 'werift';
import type { EventCollector } from './events';

/**
 * A real WebRTC peer (werift) for call tests, gathering host candidates on 127.0.0.1 only so
 * two peers in one process connect over loopback without any network. Signals go out through
 * `send` one at a time, in order (an offer before its candidates), as a careful client sends
 * them; received candidates wait until the remote description is set.
 */
export interface LoopbackPeer {
  pc: RTCPeerConnection;
  /** The caller side: opens a data channel and sends an offer. */
  offer(label?: string): Promise<void>;
  /** Feeds one signal from the other party. */
  receive(signal: CallSignal): Promise<void>;
  /** The data channel once open (the one this peer created, or the first the other side opened). */
  channel: Promise<RTCDataChannel>;
  /** Signals sent so far, by kind. */
  sent: Record<CallSignal['kind'], number>;
  /** Errors met while sending or applying signals. */
  errors: unknown[];
  close(): Promise<void>;
}

export async function createLoopbackPeer(send: (signal: CallSignal) => Promise<unknown>): Promise<LoopbackPeer> {
  // werift is large and only the call tests need it: loaded here rather than with the package.
  const { RTCPeerConnection } = await import('werift');
  const pc = new RTCPeerConnection({
    iceUseIpv4: true,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  });
  const sent: LoopbackPeer['sent'] = { offer: 0, answer: 0, ice: 0 };
  const errors: unknown[] = [];
  let outbox: Promise<unknown> = Promise.resolve();
  const enqueue = (signal: CallSignal) => {
    outbox = outbox
      .then(() => send(signal))
      .then(
        () => void sent[signal.kind]++,
        (error: unknown) => void errors.push(error),
      );
  };
  pc.onicecandidate = ({ candidate }) => {
    // Host candidates on other interfaces would work as well; loopback keeps the test hermetic.
    if (!candidate || !/ 127\.0\.0\.1 /.test(candidate.candidate)) return;
    const init = candidate.toJSON();
    enqueue({
      kind: 'ice',
      payload: {
        candidate: init.candidate,
        sdpMid: init.sdpMid ?? null,
        sdpMLineIndex: init.sdpMLineIndex ?? null,
        usernameFragment: init.usernameFragment ?? null,
      },
    });
  };
  let resolveChannel: (channel: RTCDataChannel) => void = () => {};
  const channel = new Promise<RTCDataChannel>((resolve) => (resolveChannel = resolve));
  const whenOpen = (dc: RTCDataChannel) =>
    dc.readyState === 'open' ? resolveChannel(dc) : dc.stateChanged.subscribe((state) => state === 'open' && resolveChannel(dc));
  pc.ondatachannel = ({ channel: dc }) => whenOpen(dc);

  const pending: CallSignal[] = [];
  let ready = false;
  async function applyCandidate(signal: Extract<CallSignal, { kind: 'ice' }>) {
    await pc.addIceCandidate({
      candidate: signal.payload.candidate,
      sdpMid: signal.payload.sdpMid ?? undefined,
      sdpMLineIndex: signal.payload.sdpMLineIndex ?? undefined,
    });
  }
  let inbox: Promise<void> = Promise.resolve();
  async function handle(signal: CallSignal) {
    if (signal.kind === 'ice') {
      if (ready) await applyCandidate(signal);
      else pending.push(signal);
      return;
    }
    await pc.setRemoteDescription({ type: signal.kind, sdp: signal.payload.sdp });
    if (signal.kind === 'offer') {
      await pc.setLocalDescription(await pc.createAnswer());
      enqueue({ kind: 'answer', payload: { sdp: pc.localDescription!.sdp } });
    }
    ready = true;
    for (const queued of pending.splice(0)) if (queued.kind === 'ice') await applyCandidate(queued);
  }

  return {
    pc,
    channel,
    sent,
    errors,
    async offer(label = 'chat') {
      whenOpen(pc.createDataChannel(label));
      await pc.setLocalDescription(await pc.createOffer());
      enqueue({ kind: 'offer', payload: { sdp: pc.localDescription!.sdp } });
    },
    receive(signal) {
      // One at a time, in arrival order.
      inbox = inbox.then(() => handle(signal)).catch((error: unknown) => void errors.push(error));
      return inbox;
    },
    async close() {
      await pc.close();
    },
  };
}

/** Resolves with the next message on a data channel, as text. */
export function nextMessage(channel: RTCDataChannel, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on data channel "${channel.label}" within ${timeoutMs} ms`)), timeoutMs);
    const { unSubscribe } = channel.onMessage.subscribe((data) => {
      clearTimeout(timer);
      unSubscribe();
      resolve(data.toString());
    });
  });
}

/**
 * Feeds the `call.signal` events of one call, from an event collector, into a peer as they
 * arrive. Returns a stop function.
 */
export function pipeSignals(events: EventCollector, callId: number, peer: LoopbackPeer): () => void {
  let next = 0;
  const timer = setInterval(() => {
    while (next < events.received.length) {
      const event: ChorusEvent = events.received[next++]!.data;
      if (event.type === 'call.signal' && event.callId === callId) {
        const { type: _type, callId: _callId, from: _from, ...signal } = event;
        void peer.receive(signal);
      }
    }
  }, 5);
  return () => clearInterval(timer);
}
