import type { ChorusEvent } from '@chorus/client';
import { useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useChorusEvents } from '../../app/events';
import { navigate } from '../../app/router';
import { bumpConversation, dropConversation, mapConversation, patchLastMessage } from './listCache';
import { deletedMessage, patchMessage, timelineKey, updateTimeline, withMessages, withReaction } from './timeline';
import { LIST_INPUT, type Detail, type Timeline } from './types';

type PresenceList = Array<{ userId: number; status: 'online' | 'away' | 'offline'; lastSeenAt: Date | null }>;

/**
 * Keeps the chat caches (conversations list, open timelines, conversation details) current
 * from live events, so nothing is refetched per message. Unknown conversations, membership
 * changes and `resync` fall back to refetching the affected query.
 */
export function useChatEvents(meId: number, openConversationId: number | null): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listKey = trpc.chat.list.infiniteQueryKey(LIST_INPUT);
  const invalidateList = () => void queryClient.invalidateQueries({ queryKey: trpc.chat.list.pathKey() });
  const updateDetail = (conversationId: number, update: (detail: Detail) => Detail) =>
    queryClient.setQueryData(trpc.chat.get.queryKey({ conversationId }), (detail) => (detail ? update(detail) : detail));
  const forget = (conversationId: number) => {
    queryClient.setQueryData(listKey, (data) => (data ? dropConversation(data, conversationId) : data));
    queryClient.removeQueries({ queryKey: timelineKey(conversationId) });
    if (openConversationId === conversationId) navigate('/', { replace: true });
  };

  useChorusEvents((event: ChorusEvent) => {
    switch (event.type) {
      case 'resync':
        // Events were lost: timelines may miss messages, so they start over (keeping unsent ones).
        queryClient.setQueriesData<Timeline>({ queryKey: ['chat', 'timeline'] }, (timeline) => timeline && { ...timeline, messages: [], hasOlder: true });
        void queryClient.invalidateQueries({ queryKey: ['chat', 'timeline'] });
        return;
      case 'message.created': {
        const { message } = event;
        // A thread reply is not part of the main timeline: its root shows it (thread.updated).
        if (message.threadRootId !== null) return;
        const key = timelineKey(message.conversationId);
        updateTimeline(queryClient, message.conversationId, (timeline) => withMessages(timeline, [message]));
        // A first page still loading may have been read before this message was written.
        if (queryClient.getQueryState(key)?.fetchStatus === 'fetching') void queryClient.invalidateQueries({ queryKey: key });
        const reading = openConversationId === message.conversationId && document.hasFocus();
        const list = queryClient.getQueryData(listKey);
        const bumped = list ? bumpConversation(list, message, message.senderId !== meId && !reading) : null;
        if (bumped) queryClient.setQueryData(listKey, bumped);
        else invalidateList();
        return;
      }
      case 'message.updated': {
        const { message } = event;
        updateTimeline(queryClient, event.conversationId, (timeline) => patchMessage(timeline, message.id, () => message));
        queryClient.setQueryData(listKey, (data) => (data ? patchLastMessage(data, event.conversationId, message.id, () => message) : data));
        return;
      }
      case 'message.deleted': {
        const remove = (message: Parameters<typeof deletedMessage>[0]) => deletedMessage(message, event.at);
        updateTimeline(queryClient, event.conversationId, (timeline) => patchMessage(timeline, event.messageId, remove));
        queryClient.setQueryData(listKey, (data) => (data ? patchLastMessage(data, event.conversationId, event.messageId, remove) : data));
        return;
      }
      case 'thread.updated':
        updateTimeline(queryClient, event.conversationId, (timeline) =>
          patchMessage(timeline, event.rootId, (message) => ({ ...message, thread: event.thread })),
        );
        return;
      case 'reaction.added':
      case 'reaction.removed': {
        const added = event.type === 'reaction.added';
        updateTimeline(queryClient, event.conversationId, (timeline) =>
          patchMessage(timeline, event.messageId, (message) => withReaction(message, event.emoji, event.userId, added)),
        );
        return;
      }
      case 'read':
        updateDetail(event.conversationId, (detail) => ({
          ...detail,
          members: detail.members.map((member) =>
            member.user.id === event.userId ? { ...member, lastReadMessageId: Math.max(member.lastReadMessageId, event.upToMessageId) } : member,
          ),
        }));
        if (event.userId === meId) {
          queryClient.setQueryData(listKey, (data) =>
            data
              ? mapConversation(data, event.conversationId, (item) =>
                  !item.lastMessage || item.lastMessage.id <= event.upToMessageId ? { ...item, unreadCount: 0 } : item,
                )
              : data,
          );
        }
        return;
      case 'conversation.created':
        invalidateList();
        return;
      case 'message.pinned':
      case 'message.unpinned':
        void queryClient.invalidateQueries({ queryKey: trpc.chat.pins.queryKey({ conversationId: event.conversationId }) });
        return;
      case 'conversation.updated': {
        const { name, avatarUrl } = event.conversation;
        queryClient.setQueryData(listKey, (data) => (data ? mapConversation(data, event.conversationId, (item) => ({ ...item, name, avatarUrl })) : data));
        updateDetail(event.conversationId, (detail) => ({ ...detail, name, avatarUrl }));
        return;
      }
      case 'conversation.dissolved':
        forget(event.conversationId);
        return;
      case 'member.added':
        if (event.userIds.includes(meId)) invalidateList();
        void queryClient.invalidateQueries({ queryKey: trpc.chat.get.queryKey({ conversationId: event.conversationId }) });
        return;
      case 'member.removed':
        if (event.userId === meId) forget(event.conversationId);
        else void queryClient.invalidateQueries({ queryKey: trpc.chat.get.queryKey({ conversationId: event.conversationId }) });
        return;
      case 'member.role':
        updateDetail(event.conversationId, (detail) => ({
          ...detail,
          myRole: event.userId === meId ? event.role : detail.myRole,
          members: detail.members.map((member) => (member.user.id === event.userId ? { ...member, role: event.role } : member)),
        }));
        if (event.userId === meId) {
          queryClient.setQueryData(listKey, (data) => (data ? mapConversation(data, event.conversationId, (item) => ({ ...item, myRole: event.role })) : data));
        }
        return;
      case 'presence':
      case 'presence.snapshot': {
        const updates = new Map((event.type === 'presence' ? [event.presence] : event.users).map((entry) => [entry.userId, entry]));
        queryClient.setQueriesData({ queryKey: trpc.presence.get.pathKey() }, (list: PresenceList | undefined) =>
          list?.map((entry) => updates.get(entry.userId) ?? entry),
        );
        return;
      }
      default:
        return;
    }
  });
}
