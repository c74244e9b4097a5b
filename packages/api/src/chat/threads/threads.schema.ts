import { z } from 'zod';
import { ZId, ZMessage } from '../chat.schema';

export const ZThreadInput = z.object({
  rootId: ZId,
  /** `nextCursor` of the previous page: replies after this id. */
  cursor: ZId.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type TThreadInput = z.infer<typeof ZThreadInput>;

export const ZThreadRef = z.object({ rootId: ZId });
export const ZMarkThreadReadInput = z.object({ rootId: ZId, messageId: ZId });

export const ZThreadPage = z.object({
  root: ZMessage,
  /** Replies, oldest first. */
  items: z.array(ZMessage),
  nextCursor: z.number().nullable(),
  /** Whether the caller follows the thread, and how far they have read it. */
  following: z.boolean(),
  lastReadReplyId: z.number(),
});
export const ZFollowState = z.object({ following: z.boolean() });
export const ZThreadReadState = z.object({ lastReadReplyId: z.number() });
