import type { RouterOutputs } from '@chorus/client';
import type { Message } from '../types';

export type ThreadPage = RouterOutputs['chat']['thread'];
/** A thread's infinite-query data: pages of replies, oldest first (its page parameter type does not matter here). */
export interface ThreadData {
  pages: ThreadPage[];
  pageParams: unknown[];
}

/**
 * The thread after a reply arrived (live or as the answer to our own send). A reply already
 * loaded is replaced; a new one is appended only when the last page is loaded, since otherwise
 * it comes with the pages still to be read (they are ordered by id, oldest first).
 */
export function withReply<D extends ThreadData>(data: D, reply: Message): D {
  if (data.pages.some((page) => page.items.some((item) => item.id === reply.id))) return patchThread(data, reply.id, () => reply);
  const last = data.pages[data.pages.length - 1];
  if (!last || last.nextCursor !== null) return data;
  const items = [...last.items, reply].sort((a, b) => a.id - b.id);
  return { ...data, pages: [...data.pages.slice(0, -1), { ...last, items }] };
}

/** Changes one message of the thread, root or reply, wherever it is loaded. */
export function patchThread<D extends ThreadData>(data: D, messageId: number, patch: (message: Message) => Message): D {
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      root: page.root.id === messageId ? patch(page.root) : page.root,
      items: page.items.map((item) => (item.id === messageId ? patch(item) : item)),
    })),
  };
}

/** Sets the caller's own state in the thread (follow, read marker) on every page. */
export function withThreadState<D extends ThreadData>(data: D, state: Partial<Pick<ThreadPage, 'following' | 'lastReadReplyId'>>): D {
  return { ...data, pages: data.pages.map((page) => ({ ...page, ...state })) };
}
