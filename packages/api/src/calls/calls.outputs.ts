import { callMedia, callOutcomes, callStatuses } from '@chorus/db';
import { z } from 'zod';
import { ZPublicUser } from '../users/users.schema';

/** Output shapes: exactly what leaves the server. */

/** A one-to-one call as both parties see it (calls.* return it, call events carry it). */
export const ZCallView = z.object({
  id: z.number(),
  callerId: z.number(),
  calleeId: z.number(),
  media: z.enum(callMedia),
  status: z.enum(callStatuses),
  /** How it ended; null until it has. */
  outcome: z.enum(callOutcomes).nullable(),
  /** The party whose action (or lost connection) ended it; null for missed and busy. */
  endedBy: z.number().nullable(),
  createdAt: z.date(),
  answeredAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  /** Seconds from answer to end (millisecond precision); null unless the call was answered and has ended. */
  durationSec: z.number().nullable(),
});

/** Who is calling, for the callee's ringing screen. */
export const ZCallParty = ZPublicUser.pick({ id: true, username: true, displayName: true, avatarUrl: true });

export const ZStartCallResult = z.object({ callId: z.number(), call: ZCallView });

export const ZIceServers = z.object({
  /** Ready for `new RTCPeerConnection({ iceServers })`. */
  iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })),
  /** When the TURN credentials stop working (null without TURN): ask again before then. */
  expiresAt: z.date().nullable(),
});

export const ZHistoryPage = z.object({
  items: z.array(ZCallView.extend({ direction: z.enum(['outgoing', 'incoming']) })),
  nextCursor: z.number().nullable(),
});

export const ZSignalResult = z.object({ ok: z.literal(true) });
