import type { Message, Summary } from './types';

type Page = { items: Summary[]; nextCursor: string | null };
/** The conversations list's infinite-query data (its page parameter type does not matter here). */
type ListData = { pages: Page[]; pageParams: unknown[] };

/**
 * The conversations list after a new message: its conversation moves to the top with the new
 * preview, and one more unread when it is someone else's and not being read right now.
 * `null` when the conversation is not loaded (new to us, or on a later page): refetch then.
 */
export function bumpConversation<D extends ListData>(data: D, message: Message, countUnread: boolean): D | null {
  let found: Summary | undefined;
  for (const page of data.pages) found ??= page.items.find((item) => item.id === message.conversationId);
  if (!found) return null;
  // A replayed event (after a reconnect) of a message already shown changes nothing.
  if (found.lastMessage && found.lastMessage.id >= message.id) return data;
  const bumped: Summary = {
    ...found,
    lastMessage: message,
    lastActivityAt: message.createdAt,
    unreadCount: countUnread ? Math.min(found.unreadCount + 1, 1000) : found.unreadCount,
  };
  const pages = data.pages.map((page, index) => {
    const items = page.items.filter((item) => item.id !== message.conversationId);
    return { ...page, items: index === 0 ? [bumped, ...items] : items };
  });
  return { ...data, pages };
}

export function mapConversation<D extends ListData>(data: D, conversationId: number, update: (item: Summary) => Summary): D {
  return {
    ...data,
    pages: data.pages.map((page) => ({ ...page, items: page.items.map((item) => (item.id === conversationId ? update(item) : item)) })),
  };
}

export function dropConversation<D extends ListData>(data: D, conversationId: number): D {
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((item) => item.id !== conversationId) })) };
}

/** The last message's preview follows its edits and deletion. */
export function patchLastMessage<D extends ListData>(data: D, conversationId: number, messageId: number, patch: (message: Message) => Message): D {
  return mapConversation(data, conversationId, (item) => (item.lastMessage?.id === messageId ? { ...item, lastMessage: patch(item.lastMessage) } : item));
}
