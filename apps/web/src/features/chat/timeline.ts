import type { QueryClient } from '@tanstack/react-query';
import { queryOptions } from '@tanstack/react-query';
import type { Message, PendingMessage, Timeline } from './types';

/**
 * Pure updates of a conversation's timeline. Messages are kept once each (by id), sorted by
 * id, which is the conversation's order; a pending message leaves as soon as the message with
 * its clientId is known, whichever of the send answer and the live event comes first.
 */
export function mergeMessages(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const sorted = [...incoming].sort((a, b) => a.id - b.id);
  const first = current[0];
  const last = current[current.length - 1];
  if (!first || !last) return sorted;
  if (sorted[0]!.id > last.id) return [...current, ...sorted];
  if (sorted[sorted.length - 1]!.id < first.id) return [...sorted, ...current];
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of sorted) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function withMessages(timeline: Timeline, incoming: Message[]): Timeline {
  const clientIds = new Set(incoming.map((message) => message.clientId));
  const pending = timeline.pending.some((entry) => clientIds.has(entry.clientId))
    ? timeline.pending.filter((entry) => !clientIds.has(entry.clientId))
    : timeline.pending;
  return { ...timeline, messages: mergeMessages(timeline.messages, incoming), pending };
}

/** The newest page fetched again: fresher than what is held, and a gap means start over. */
export function withNewestPage(current: Timeline | undefined, page: Message[], pageSize: number): Timeline {
  const fresh: Timeline = { messages: [], hasOlder: page.length === pageSize, pending: current?.pending ?? [] };
  if (!current || current.messages.length === 0) return withMessages(fresh, page);
  const oldestFetched = page.reduce((min, message) => Math.min(min, message.id), Infinity);
  const newestHeld = current.messages[current.messages.length - 1]!.id;
  if (page.length === pageSize && oldestFetched > newestHeld) return withMessages(fresh, page);
  return withMessages(current, page);
}

export function patchMessage(timeline: Timeline, messageId: number, patch: (message: Message) => Message): Timeline {
  const index = timeline.messages.findIndex((message) => message.id === messageId);
  if (index < 0) return timeline;
  const messages = timeline.messages.slice();
  messages[index] = patch(messages[index]!);
  return { ...timeline, messages };
}

export function deletedMessage(message: Message, at: Date): Message {
  return { ...message, text: null, attachment: null, mentions: [], reactions: [], deletedAt: message.deletedAt ?? at };
}

export function withReaction(message: Message, emoji: string, userId: number, added: boolean): Message {
  const existing = message.reactions.find((reaction) => reaction.emoji === emoji);
  if (added) {
    if (existing?.userIds.includes(userId)) return message;
    const reactions = existing
      ? message.reactions.map((reaction) => (reaction === existing ? { emoji, userIds: [...reaction.userIds, userId] } : reaction))
      : [...message.reactions, { emoji, userIds: [userId] }];
    return { ...message, reactions };
  }
  if (!existing?.userIds.includes(userId)) return message;
  const reactions = message.reactions
    .map((reaction) => (reaction === existing ? { emoji, userIds: reaction.userIds.filter((id) => id !== userId) } : reaction))
    .filter((reaction) => reaction.userIds.length > 0);
  return { ...message, reactions };
}

export function withPending(timeline: Timeline, clientId: string, update: (entry: PendingMessage) => PendingMessage | null): Timeline {
  const pending: PendingMessage[] = [];
  for (const entry of timeline.pending) {
    const next = entry.clientId === clientId ? update(entry) : entry;
    if (next) pending.push(next);
  }
  return { ...timeline, pending };
}

export const timelineKey = (conversationId: number) => ['chat', 'timeline', conversationId] as const;

/** The timeline query: the newest page, merged into what live events already put in the cache. */
export function timelineOptions(conversationId: number, queryClient: QueryClient, fetchPage: (beforeId?: number) => Promise<Message[]>, pageSize: number) {
  return queryOptions({
    queryKey: timelineKey(conversationId),
    queryFn: async (): Promise<Timeline> => {
      const page = await fetchPage();
      return withNewestPage(queryClient.getQueryData<Timeline>(timelineKey(conversationId)), page, pageSize);
    },
  });
}

/** Applies `update` to a conversation's cached timeline, if it is loaded. */
export function updateTimeline(queryClient: QueryClient, conversationId: number, update: (timeline: Timeline) => Timeline): void {
  queryClient.setQueryData<Timeline>(timelineKey(conversationId), (timeline) => (timeline ? update(timeline) : timeline));
}
