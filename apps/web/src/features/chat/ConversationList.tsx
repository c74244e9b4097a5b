import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../app/client';
import { Link } from '../../app/router';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { useErrorText } from '../../ui/errors';
import { shortTime } from '../../ui/time';
import { chatMessages, type ChatT } from './messages';
import { NewConversation } from './NewConversation';
import { usePresence, type PresenceStatus } from './usePresence';
import { conversationName, LIST_INPUT, type Message, type Summary } from './types';
import { ThreadUnreadBadge } from './threads/ThreadSummary';

/** The left column: conversations by last activity, kept in order by live events. */
export function ConversationList({ activeId, meId }: { activeId: number | null; meId: number }) {
  const t = useT(chatMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const [creating, setCreating] = useState<'direct' | 'group' | null>(null);
  const list = useInfiniteQuery(trpc.chat.list.infiniteQueryOptions(LIST_INPUT, { getNextPageParam: (page) => page.nextCursor }));
  // Pages fetched while conversations move can overlap: each conversation shows once, where it first appears.
  const shown = new Set<number>();
  const items = (list.data?.pages.flatMap((page) => page.items) ?? []).filter((item) => !shown.has(item.id) && Boolean(shown.add(item.id)));
  const presence = usePresence(items.flatMap((item) => (item.kind === 'direct' && item.peer ? [item.peer.id] : [])));
  return (
    <aside className="chat-list" aria-labelledby="chat-list-title">
      <div className="chat-list-head">
        <h1 id="chat-list-title">{t('conversations')}</h1>
        <div className="chat-list-actions">
          <button type="button" aria-expanded={creating === 'direct'} onClick={() => setCreating(creating === 'direct' ? null : 'direct')}>
            {t('newChat')}
          </button>
          <button type="button" aria-expanded={creating === 'group'} onClick={() => setCreating(creating === 'group' ? null : 'group')}>
            {t('newGroup')}
          </button>
        </div>
      </div>
      {creating ? <NewConversation mode={creating} onDone={() => setCreating(null)} /> : null}
      <Alert>{list.error ? errorText(list.error) : null}</Alert>
      {list.isSuccess && items.length === 0 ? <p className="muted chat-empty">{t('noConversations')}</p> : null}
      <ul className="conversation-list" aria-label={t('conversations')}>
        {items.map((item) => (
          <ConversationRow
            key={item.id}
            item={item}
            active={item.id === activeId}
            meId={meId}
            t={t}
            presence={item.peer ? presence.get(item.peer.id) : undefined}
          />
        ))}
      </ul>
      {list.hasNextPage ? (
        <button type="button" className="link chat-more" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t('loadMore')}
        </button>
      ) : null}
    </aside>
  );
}

function ConversationRow({ item, active, meId, t, presence }: { item: Summary; active: boolean; meId: number; t: ChatT; presence?: PresenceStatus }) {
  const { locale } = useLocale();
  const name = conversationName(item, t('untitled'));
  return (
    <li>
      <Link to={`/chat/${item.id}`} className="conversation-row" aria-current={active ? 'page' : undefined}>
        <Avatar name={name} url={item.kind === 'direct' ? item.peer?.avatarUrl : item.avatarUrl} presence={presence} />
        <span className="conversation-main">
          <span className="conversation-top">
            <span className="conversation-name">{name}</span>
            <time dateTime={item.lastActivityAt.toISOString()}>{shortTime(item.lastActivityAt, locale)}</time>
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">{item.lastMessage ? preview(item.lastMessage, meId, t) : ''}</span>
            {item.unreadCount > 0 ? (
              <span className="badge" aria-label={t('unread', { count: item.unreadCount })}>
                {item.unreadCount >= 1000 ? '999+' : item.unreadCount}
              </span>
            ) : null}
            <ThreadUnreadBadge unread={item.threadUnread} />
          </span>
        </span>
      </Link>
    </li>
  );
}

/** One line saying what the last message was. */
export function preview(message: Message, meId: number, t: ChatT): string {
  let text: string;
  if (message.deletedAt) text = t('deleted');
  else if (message.kind === 'image') text = `[${t('image')}]`;
  else if (message.kind === 'file') text = `[${t('file')}] ${message.attachment?.name ?? ''}`;
  else text = message.text ?? '';
  return message.senderId === meId ? `${t('you')}: ${text}` : text;
}
