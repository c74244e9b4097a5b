import { Avatar } from '../../../ui/Avatar';
import { shortTime } from '../../../ui/time';
import { useT } from '../../../i18n/i18n';
import { nameOf, type RowContext } from '../MessageRow';
import type { Message } from '../types';
import { threadMessages } from './messages';

/** What a message row needs to offer threads: opening one on a root. */
export interface ThreadControls {
  open: (rootId: number) => void;
}

/** "Reply in thread" among a message's actions (threads are one level deep: roots only). */
export function ThreadButton({ message, threads }: { message: Message; threads: ThreadControls }) {
  const t = useT(threadMessages);
  if (message.threadRootId !== null) return null;
  return (
    <button type="button" className="link" onClick={() => threads.open(message.id)}>
      {t('replyInThread')}
    </button>
  );
}

/** A root's thread under it: "N replies · last reply 14:05" and who replied; opens the thread. */
export function ThreadSummary({ message, ctx, threads }: { message: Message; ctx: RowContext; threads: ThreadControls }) {
  const t = useT(threadMessages);
  const { thread } = message;
  if (!thread) return null;
  const count = thread.replyCount === 1 ? t('replyCountOne') : t('replyCountMany', { count: thread.replyCount });
  const text = `${count} · ${t('lastReply', { time: shortTime(thread.lastReplyAt, ctx.locale) })}`;
  const names = thread.participantIds.map((userId) => nameOf(ctx, userId));
  return (
    <button
      type="button"
      className="thread-summary"
      aria-label={t('openThread', { summary: `${text} · ${names.join(', ')}` })}
      onClick={() => threads.open(message.id)}
    >
      <span className="thread-avatars" aria-hidden="true">
        {thread.participantIds.map((userId) => {
          const user = ctx.members.get(userId)?.user;
          return <Avatar key={userId} name={user?.displayName ?? '?'} url={user?.avatarUrl} size={20} />;
        })}
      </span>
      <strong>{count}</strong>
      <span className="muted">{t('lastReply', { time: shortTime(thread.lastReplyAt, ctx.locale) })}</span>
    </button>
  );
}

/** The conversations list's mark for unread replies in threads the user follows. */
export function ThreadUnreadBadge({ unread }: { unread: { threads: number; replies: number } }) {
  const t = useT(threadMessages);
  if (unread.replies <= 0) return null;
  const label = t('threadUnread', { count: unread.replies });
  return (
    <span className="badge thread-badge" role="img" aria-label={label} title={label}>
      {unread.replies >= 1000 ? '999+' : unread.replies}
    </span>
  );
}
