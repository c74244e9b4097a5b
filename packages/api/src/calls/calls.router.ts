import { authedProcedure, router } from '../trpc';
import { acceptCall, cancelCall, hangupCall, rejectCall } from './actions.service';
import { ZCallView, ZHistoryPage, ZIceServers, ZSignalResult, ZStartCallResult } from './calls.outputs';
import { ZCallRef, ZHistoryInput, ZSignalInput, ZStartCallInput } from './calls.schema';
import { callHistory } from './history.service';
import { iceServers } from './ice-servers.service';
import { relaySignal } from './signal.service';
import { startCall } from './start.service';

/**
 * One-to-one voice and video calls: Chorus relays the signaling, media goes peer to peer.
 * Parties follow a call on `events.subscribe` (`call.incoming`, `call.updated`, `call.signal`).
 */
export const callsRouter = router({
  /** Rings the callee's devices. Friends only (see permissions.ts); CALLEE_BUSY when they are in a call. */
  start: authedProcedure
    .input(ZStartCallInput)
    .output(ZStartCallResult)
    .mutation(({ ctx, input }) => startCall(ctx.deps, ctx.user.id, input)),
  accept: authedProcedure
    .input(ZCallRef)
    .output(ZCallView)
    .mutation(({ ctx, input }) => acceptCall(ctx.deps, ctx.user.id, input.callId)),
  reject: authedProcedure
    .input(ZCallRef)
    .output(ZCallView)
    .mutation(({ ctx, input }) => rejectCall(ctx.deps, ctx.user.id, input.callId)),
  cancel: authedProcedure
    .input(ZCallRef)
    .output(ZCallView)
    .mutation(({ ctx, input }) => cancelCall(ctx.deps, ctx.user.id, input.callId)),
  hangup: authedProcedure
    .input(ZCallRef)
    .output(ZCallView)
    .mutation(({ ctx, input }) => hangupCall(ctx.deps, ctx.user.id, input.callId)),
  /** SDP offer/answer or one ICE candidate, to the other party only (live). */
  signal: authedProcedure
    .input(ZSignalInput)
    .output(ZSignalResult)
    .mutation(({ ctx, input }) => relaySignal(ctx.deps, ctx.user.id, input)),
  /** STUN and TURN servers for RTCPeerConnection, with TURN credentials that expire. */
  iceServers: authedProcedure.output(ZIceServers).query(({ ctx }) => iceServers(ctx.deps, ctx.user.id)),
  history: authedProcedure
    .input(ZHistoryInput)
    .output(ZHistoryPage)
    .query(({ ctx, input }) => callHistory(ctx.deps, ctx.user.id, input)),
});
