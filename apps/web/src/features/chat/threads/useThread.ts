import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { useTRPC } from '../../../app/client';
import { newClientId } from '../useSend';
import { withReply, withThreadState, type ThreadData } from './threadCache';

/**
 * One thread: its root and replies (paged oldest first, as `chat.thread` gives them), sending a
 * reply, following, and the read marker, which moves to the newest loaded reply while the
 * thread is open.
 */
export function useThread(rootId: number, conversationId: number) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const key = trpc.chat.thread.infiniteQueryKey({ rootId });
  const update = (change: <D extends ThreadData>(data: D) => D) => queryClient.setQueryData(key, (data) => (data ? change(data) : data));
  const query = useInfiniteQuery(trpc.chat.thread.infiniteQueryOptions({ rootId }, { getNextPageParam: (page) => page.nextCursor }));
  // Replying follows the thread and moves the sender's read marker to the reply (on the server too).
  const send = useMutation(
    trpc.chat.send.mutationOptions({
      onSuccess: (reply) =>
        update((data) =>
          withThreadState(withReply(data, reply), { following: true, lastReadReplyId: Math.max(data.pages[0]?.lastReadReplyId ?? 0, reply.id) }),
        ),
    }),
  );
  const follow = useMutation(trpc.chat.followThread.mutationOptions({ onSuccess: ({ following }) => update((data) => withThreadState(data, { following })) }));
  const unfollow = useMutation(
    trpc.chat.unfollowThread.mutationOptions({ onSuccess: ({ following }) => update((data) => withThreadState(data, { following })) }),
  );
  // The list's unread mark is reloaded here as well as on `thread.read`: that event is for the
  // reader's other devices, and this one should not wait for it.
  const markRead = useMutation(
    trpc.chat.markThreadRead.mutationOptions({
      onSuccess: ({ lastReadReplyId }) => {
        update((data) => withThreadState(data, { lastReadReplyId }));
        void queryClient.invalidateQueries({ queryKey: trpc.chat.list.pathKey() });
      },
    }),
  );

  const pages = query.data?.pages;
  const first = pages?.[0];
  const replies = useMemo(() => pages?.flatMap((page) => page.items) ?? [], [pages]);
  const newestId = replies[replies.length - 1]?.id ?? 0;
  const lastReadReplyId = first?.lastReadReplyId ?? 0;
  const { mutate: mark } = markRead;
  useEffect(() => {
    if (newestId > lastReadReplyId) mark({ rootId, messageId: newestId });
  }, [mark, rootId, newestId, lastReadReplyId]);

  return {
    query,
    root: first?.root,
    replies,
    following: first?.following ?? false,
    sendReply: (text: string, onSent: () => void) =>
      send.mutate({ conversationId, clientId: newClientId(), kind: 'text', text, threadRootId: rootId }, { onSuccess: onSent }),
    sending: send.isPending,
    toggleFollow: () => (first?.following ? unfollow.mutate({ rootId }) : follow.mutate({ rootId })),
    error: query.error ?? send.error ?? follow.error ?? unfollow.error ?? markRead.error,
  };
}
