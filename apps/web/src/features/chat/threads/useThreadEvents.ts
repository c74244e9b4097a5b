import type { ChorusEvent } from '@chorus/client';
import { useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../../app/client';
import { useChorusEvents } from '../../../app/events';
import { deletedMessage } from '../timeline';
import { patchThread, withReply, withThreadState, type ThreadData } from './threadCache';

/**
 * Keeps open threads current from live events (replies, edits, deletions, summaries, the
 * caller's read marker), and the conversations list's `threadUnread` by reloading the list:
 * which threads the caller follows is known to the server, not to every page.
 */
export function useThreadEvents(meId: number): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const threadKey = (rootId: number) => trpc.chat.thread.infiniteQueryKey({ rootId });
  const updateThread = (rootId: number, update: <D extends ThreadData>(data: D) => D) =>
    queryClient.setQueryData(threadKey(rootId), (data) => (data ? update(data) : data));
  const updateAll = (update: <D extends ThreadData>(data: D) => D) =>
    queryClient.setQueriesData<ThreadData>({ queryKey: trpc.chat.thread.pathKey() }, (data) => (data ? update(data) : data));
  const reloadList = () => void queryClient.invalidateQueries({ queryKey: trpc.chat.list.pathKey() });

  useChorusEvents((event: ChorusEvent) => {
    switch (event.type) {
      case 'resync':
        void queryClient.invalidateQueries({ queryKey: trpc.chat.thread.pathKey() });
        return;
      case 'message.created': {
        const { message } = event;
        if (message.threadRootId === null) return;
        updateThread(message.threadRootId, (data) => withReply(data, message));
        if (message.senderId !== meId) reloadList();
        return;
      }
      case 'message.updated':
        updateAll((data) => patchThread(data, event.message.id, () => event.message));
        return;
      case 'message.deleted':
        updateAll((data) => patchThread(data, event.messageId, (message) => deletedMessage(message, event.at)));
        return;
      case 'thread.updated':
        updateThread(event.rootId, (data) => patchThread(data, event.rootId, (root) => ({ ...root, thread: event.thread })));
        return;
      case 'thread.read':
        updateThread(event.rootId, (data) => withThreadState(data, { lastReadReplyId: Math.max(data.pages[0]?.lastReadReplyId ?? 0, event.lastReadReplyId) }));
        reloadList();
        return;
      default:
        return;
    }
  });
}
