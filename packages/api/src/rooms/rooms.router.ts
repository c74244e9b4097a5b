import { z } from 'zod';
import { directFramesFor } from '@chorus/transport';
import { accountProcedure, authedProcedure, router } from '../trpc';
import { applyToRoom, inviteToRoom, respondToInvite, reviewApplication } from './invites.service';
import { createRoom, dissolveRoom, joinRoom, leaveRoom, updateRoomSettings } from './lifecycle.service';
import { kickMember, setMemberRole, transferRoomOwnership, unbanMember } from './members.service';
import { controlPlayback, reportPlayback, roomClock } from './playback.service';
import { getRoom, listRooms } from './queries.service';
import { roomEvents } from './room-events';
import {
  ZApplyInput,
  ZCreateRoomInput,
  ZDrift,
  ZKickInput,
  ZListRoomsInput,
  ZPlaybackControlInput,
  ZPlaybackReportInput,
  ZPlaybackState,
  ZRespondInviteInput,
  ZReviewApplicationInput,
  ZRoomClockInput,
  ZRoomEventsInput,
  ZRoomMemberRef,
  ZRoomPage,
  ZRoomRef,
  ZRoomSettings,
  ZRoomView,
  ZSetRoomRoleInput,
  ZUpdateRoomSettingsInput,
} from './rooms.schema';

const ZOk = z.object({ ok: z.literal(true) });

/** Watch-together rooms. A room's chat is its conversation: chat.send/history/edit/delete with `conversationId: roomId`. */
export const roomsRouter = router({
  create: accountProcedure
    .input(ZCreateRoomInput)
    .output(ZRoomSettings)
    .mutation(({ ctx, input }) => createRoom(ctx.deps, ctx.user.id, input)),
  get: authedProcedure
    .input(ZRoomRef)
    .output(ZRoomView)
    .query(({ ctx, input }) => getRoom(ctx.deps, ctx.user.id, input.roomId)),
  list: authedProcedure
    .input(ZListRoomsInput)
    .output(ZRoomPage)
    .query(({ ctx, input }) => listRooms(ctx.deps, ctx.user.id, input)),
  join: authedProcedure
    .input(ZRoomRef)
    .output(ZRoomSettings)
    .mutation(({ ctx, input }) => joinRoom(ctx.deps, ctx.user.id, input.roomId)),
  leave: authedProcedure
    .input(ZRoomRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => leaveRoom(ctx.deps, ctx.user.id, input.roomId)),
  dissolve: authedProcedure
    .input(ZRoomRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => dissolveRoom(ctx.deps, ctx.user.id, input.roomId)),
  updateSettings: authedProcedure
    .input(ZUpdateRoomSettingsInput)
    .output(ZRoomSettings)
    .mutation(({ ctx, input }) => updateRoomSettings(ctx.deps, ctx.user.id, input)),
  invite: authedProcedure
    .input(ZRoomMemberRef)
    .output(z.object({ inviteId: z.number() }))
    .mutation(({ ctx, input }) => inviteToRoom(ctx.deps, ctx.user.id, input)),
  respondInvite: authedProcedure
    .input(ZRespondInviteInput)
    .output(z.object({ joined: z.boolean() }))
    .mutation(({ ctx, input }) => respondToInvite(ctx.deps, ctx.user.id, input)),
  /** `rooms.apply` of the contract: tRPC reserves `apply` (and `call`, `then`) as procedure names. */
  applyToJoin: authedProcedure
    .input(ZApplyInput)
    .output(z.object({ applicationId: z.number() }))
    .mutation(({ ctx, input }) => applyToRoom(ctx.deps, ctx.user.id, input)),
  reviewApplication: authedProcedure
    .input(ZReviewApplicationInput)
    .output(ZOk)
    .mutation(({ ctx, input }) => reviewApplication(ctx.deps, ctx.user.id, input)),
  kick: authedProcedure
    .input(ZKickInput)
    .output(ZOk)
    .mutation(({ ctx, input }) => kickMember(ctx.deps, ctx.user.id, input)),
  unban: authedProcedure
    .input(ZRoomMemberRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => unbanMember(ctx.deps, ctx.user.id, input)),
  setRole: authedProcedure
    .input(ZSetRoomRoleInput)
    .output(ZOk)
    .mutation(({ ctx, input }) => setMemberRole(ctx.deps, ctx.user.id, input)),
  transferOwnership: authedProcedure
    .input(ZRoomMemberRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => transferRoomOwnership(ctx.deps, ctx.user.id, input)),
  playback: router({
    control: authedProcedure
      .input(ZPlaybackControlInput)
      .output(ZPlaybackState)
      .mutation(({ ctx, input }) => controlPlayback(ctx.deps, ctx.user.id, input)),
    report: authedProcedure
      .input(ZPlaybackReportInput)
      .output(ZDrift)
      .mutation(({ ctx, input }) => reportPlayback(ctx.deps, ctx.user.id, input)),
  }),
  /** Server time for the client's clock offset (see system.ping too). */
  clock: authedProcedure
    .input(ZRoomClockInput)
    .output(z.object({ clientTime: z.number(), serverTime: z.number() }))
    .query(({ ctx, input }) => roomClock(ctx.deps, input.clientTime)),
  /** A snapshot of the room, then its events in order; resumes after `lastEventId` without gaps. Members only. */
  events: authedProcedure
    .input(ZRoomEventsInput)
    .subscription(({ ctx, input, signal }) => roomEvents(ctx.deps, ctx.user.id, input, signal, directFramesFor(ctx, signal))),
});
