// Thread shapes that the message and conversation shapes carry; apart from threads.schema.ts so
// that chat.schema.ts can use them without an import cycle.
import { z } from 'zod';

/** Shown on a root message: how many replies, the latest one's time, the latest distinct repliers. */
export const ZThreadSummary = z.object({
  replyCount: z.number(),
  lastReplyAt: z.date(),
  /** Distinct repliers, the most recent first, at most 5. */
  participantIds: z.array(z.number()),
});

/** In `chat.list` / `chat.get`: unread replies by others in the threads the caller follows there. */
export const ZThreadUnread = z.object({
  /** Followed threads with at least one unread reply. */
  threads: z.number(),
  /** Unread replies across them (each thread's count capped at 1,000). */
  replies: z.number(),
});
