import { callMedia, callOutcomes, callStatuses } from '@chorus/db';
import { z } from 'zod';

/** Output shapes: exactly what leaves the server (see CallView in realtime/events.ts). */
export const ZCallView = z.object({
  id: z.number(),
  callerId: z.number(),
  calleeId: z.number(),
  media: z.enum(callMedia),
  status: z.enum(callStatuses),
  outcome: z.enum(callOutcomes).nullable(),
  endedBy: z.number().nullable(),
  createdAt: z.date(),
  answeredAt: z.date().nullable(),
  endedAt: z.date().nullable(),
  durationSec: z.number().nullable(),
});

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
