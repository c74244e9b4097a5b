import type { CallSignal } from '@chorus/client';
import { chorus } from '../../app/client';

type Media = 'audio' | 'video';

export interface Peer {
  pc: RTCPeerConnection;
  remote: MediaStream;
  /** Creates, applies and sends an offer (the caller's part, again with `iceRestart` after a failure). */
  offer(options?: RTCOfferOptions): Promise<void>;
  /** Applies a signal from the other party: answers offers, holds candidates until a remote description is set. */
  receive(signal: CallSignal): Promise<void>;
  close(): void;
}

/** The microphone (and camera for video calls); null when the browser or the user refuses. */
export async function openLocalMedia(media: Media): Promise<MediaStream | null> {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' });
  } catch {
    return null;
  }
}

/** STUN/TURN servers from the server (TURN credentials expire, so asked per call). */
async function iceServers(): Promise<RTCIceServer[]> {
  try {
    return (await chorus.calls.iceServers.query()).iceServers;
  } catch {
    return [];
  }
}

/**
 * One RTCPeerConnection for a call. Signals go out through `send` in the order they are made;
 * ICE candidates that arrive before the remote description are buffered, since
 * addIceCandidate fails without one.
 */
export async function createPeer(media: Media, local: MediaStream | null, send: (signal: CallSignal) => Promise<unknown>, onChange: () => void): Promise<Peer> {
  const pc = new RTCPeerConnection({ iceServers: await iceServers() });
  const remote = new MediaStream();
  const pendingIce: RTCIceCandidateInit[] = [];
  let outbox: Promise<unknown> = Promise.resolve();
  const enqueue = (signal: CallSignal) => {
    outbox = outbox.then(() => send(signal)).catch((error: unknown) => console.warn('call signal not sent', error));
  };

  for (const track of local?.getTracks() ?? []) pc.addTrack(track, local!);
  // Without a device of our own we still receive the other side's media.
  const kinds: Media[] = media === 'video' ? ['audio', 'video'] : ['audio'];
  for (const kind of kinds) {
    if (!local?.getTracks().some((track) => track.kind === kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
  }

  pc.ontrack = ({ track, streams }) => {
    for (const incoming of streams[0]?.getTracks() ?? [track]) {
      if (!remote.getTrackById(incoming.id)) remote.addTrack(incoming);
    }
    onChange();
  };
  pc.onicecandidate = ({ candidate }) => {
    if (!candidate?.candidate) return;
    enqueue({
      kind: 'ice',
      payload: {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
        usernameFragment: candidate.usernameFragment,
      },
    });
  };
  pc.onconnectionstatechange = onChange;

  const sendDescription = (kind: 'offer' | 'answer') => {
    const sdp = pc.localDescription?.sdp;
    if (sdp) enqueue({ kind, payload: { sdp } });
  };

  return {
    pc,
    remote,
    async offer(options) {
      await pc.setLocalDescription(await pc.createOffer(options));
      sendDescription('offer');
    },
    async receive(signal) {
      if (signal.kind === 'ice') {
        const init: RTCIceCandidateInit = {
          candidate: signal.payload.candidate,
          sdpMid: signal.payload.sdpMid,
          sdpMLineIndex: signal.payload.sdpMLineIndex,
          usernameFragment: signal.payload.usernameFragment,
        };
        if (pc.remoteDescription) await pc.addIceCandidate(init);
        else pendingIce.push(init);
        return;
      }
      await pc.setRemoteDescription({ type: signal.kind, sdp: signal.payload.sdp });
      if (signal.kind === 'offer') {
        await pc.setLocalDescription(await pc.createAnswer());
        sendDescription('answer');
      }
      for (const init of pendingIce.splice(0)) await pc.addIceCandidate(init);
    },
    close() {
      pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null;
      pc.close();
    },
  };
}
