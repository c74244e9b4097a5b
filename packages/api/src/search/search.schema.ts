import { conversationKinds } from '@chorus/db';
import { z } from 'zod';
import { ZId, ZMessage, ZMessageKind } from '../chat/chat.schema';
import { ZAiConversationView, ZAiMessageView } from '../ai/ai.outputs';
import { zString } from '../strings';

export const ZSnippet = z.object({
  /** A window of the message's current text (at most 200 UTF-16 units). */
  text: z.string(),
  /** Where the search terms are in `text`: UTF-16 offsets, sorted, not overlapping. */
  ranges: z.array(z.object({ start: z.number(), end: z.number() })),
});

/** Paging: `nextCursor` of the previous page; at most 50 results a page. */
const ZPaging = {
  cursor: zString().max(64).optional(),
  limit: z.number().int().min(1).max(50).default(20),
};

/** The query itself is checked by the parser (search/query.ts), which says what is wrong with it. */
const ZQuery = zString().max(4096);

export const ZChatSearchInput = z
  .object({
    query: ZQuery,
    conversationId: ZId.optional(),
    fromUserId: ZId.optional(),
    kind: ZMessageKind.exclude(['system']).optional(),
    hasAttachment: z.boolean().optional(),
    /** Messages sent before / after these times. */
    before: z.coerce.date().optional(),
    after: z.coerce.date().optional(),
    ...ZPaging,
  })
  .refine((input) => !input.before || !input.after || input.after < input.before, { message: '`after` must be earlier than `before`', path: ['after'] });
export type TChatSearchInput = z.infer<typeof ZChatSearchInput>;

export const ZSearchConversation = z.object({
  id: z.number(),
  kind: z.enum(conversationKinds),
  name: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  /** The other person of a direct conversation. */
  peerId: z.number().nullable(),
});

export const ZChatSearchPage = z.object({
  items: z.array(z.object({ message: ZMessage, conversation: ZSearchConversation, snippet: ZSnippet })),
  nextCursor: z.string().nullable(),
});
export type TChatSearchPage = z.infer<typeof ZChatSearchPage>;

export const ZAiSearchInput = z.object({ query: ZQuery, ...ZPaging });
export type TAiSearchInput = z.infer<typeof ZAiSearchInput>;

export const ZAiSearchPage = z.object({
  items: z.array(
    z.object({
      conversation: ZAiConversationView,
      /** The matching message; null when the conversation's title matched. */
      message: ZAiMessageView.nullable(),
      snippet: ZSnippet,
    }),
  ),
  nextCursor: z.string().nullable(),
});
export type TAiSearchPage = z.infer<typeof ZAiSearchPage>;
