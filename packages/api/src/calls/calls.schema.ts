import { callMedia } from '@chorus/db';
import { z } from 'zod';
import { ZId } from '../chat/chat.schema';
import { zString } from '../strings';

/** Bounds on relayed signaling: a real SDP is a few KB, an ICE candidate line about 100 bytes. */
export const MAX_SDP_CHARS = 16 * 1024;
export const MAX_ICE_CANDIDATE_CHARS = 2 * 1024;

export const ZStartCallInput = z.object({ calleeId: ZId, media: z.enum(callMedia) });
export type TStartCallInput = z.infer<typeof ZStartCallInput>;

export const ZCallRef = z.object({ callId: ZId });

const ZSdp = z.object({ sdp: zString().min(1).max(MAX_SDP_CHARS) });
const ZIceCandidate = z.object({
  // Empty marks the end of candidates.
  candidate: zString().max(MAX_ICE_CANDIDATE_CHARS),
  sdpMid: zString()
    .max(64)
    .nullish()
    .transform((value) => value ?? null),
  sdpMLineIndex: z
    .number()
    .int()
    .min(0)
    .max(1023)
    .nullish()
    .transform((value) => value ?? null),
  usernameFragment: zString()
    .max(256)
    .nullish()
    .transform((value) => value ?? null),
});

/** `payload` is what the browser hands out: an RTCSessionDescriptionInit, or an RTCIceCandidateInit (`candidate.toJSON()`). */
export const ZSignalInput = z.discriminatedUnion('kind', [
  z.object({ callId: ZId, kind: z.literal('offer'), payload: ZSdp }),
  z.object({ callId: ZId, kind: z.literal('answer'), payload: ZSdp }),
  z.object({ callId: ZId, kind: z.literal('ice'), payload: ZIceCandidate }),
]);
export type TSignalInput = z.infer<typeof ZSignalInput>;

export const ZHistoryInput = z
  .object({
    /** `nextCursor` of the previous page. */
    cursor: ZId.optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });
export type THistoryInput = z.infer<typeof ZHistoryInput>;
