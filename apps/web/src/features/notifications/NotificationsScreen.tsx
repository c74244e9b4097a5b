import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { navigate } from '../../app/router';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { shortTime } from '../../ui/time';
import { describe, type Notification } from './describe';
import { notificationMessages } from './messages';

const PAGE = 30;

/** Every notification, newest first, in pages; opening one marks it read and goes to its subject. */
export default function NotificationsScreen() {
  const t = useT(notificationMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const list = useInfiniteQuery(
    trpc.notifications.list.infiniteQueryOptions({ limit: PAGE }, { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 }),
  );
  const markRead = useMutation(
    trpc.notifications.markRead.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries(trpc.notifications.unreadCount.queryFilter()),
          queryClient.invalidateQueries(trpc.notifications.list.pathFilter()),
        ]),
    }),
  );
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const anyUnread = items.some((item) => item.readAt === null);

  const open = (notification: Notification) => {
    if (notification.readAt === null) markRead.mutate({ ids: [notification.id] });
    navigate(describe(notification).to);
  };

  return (
    <section className="screen notifications" aria-labelledby="notifications-title">
      <div className="notifications-head">
        <h1 id="notifications-title">{t('title')}</h1>
        <button type="button" onClick={() => markRead.mutate({ all: true })} disabled={!anyUnread || markRead.isPending}>
          {t('markAll')}
        </button>
      </div>
      <Alert>{list.error ? errorText(list.error) : markRead.error ? errorText(markRead.error) : null}</Alert>
      {list.isPending ? (
        <p role="status">{t('loading')}</p>
      ) : items.length === 0 && !list.error ? (
        <p className="notifications-empty">{t('empty')}</p>
      ) : (
        <ul className="notification-list">
          {items.map((item) => (
            <li key={item.id}>
              <NotificationItem notification={item} onOpen={() => open(item)} />
            </li>
          ))}
        </ul>
      )}
      {list.hasNextPage ? (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? t('loading') : t('loadMore')}
        </button>
      ) : null}
    </section>
  );
}

function NotificationItem({ notification, onOpen }: { notification: Notification; onOpen: () => void }) {
  const t = useT(notificationMessages);
  const { locale } = useLocale();
  const described = describe(notification);
  const name = useUserName(described.userId) ?? t('someone');
  const vars = { ...described.vars, name, room: described.vars.room || t('aRoom') };
  const unread = notification.readAt === null;
  return (
    <button type="button" className={unread ? 'notification unread' : 'notification'} onClick={onOpen}>
      {unread ? <span className="notification-dot" role="img" aria-label={t('unread')} /> : null}
      <span className="notification-text">{t(described.key, vars)}</span>
      <time dateTime={notification.createdAt.toISOString()}>{shortTime(notification.createdAt, locale)}</time>
    </button>
  );
}

/** A user's display name, or null while unknown (or when the account is gone). */
function useUserName(userId: number | null): string | null {
  const trpc = useTRPC();
  const user = useQuery({
    ...trpc.users.get.queryOptions({ userId: userId ?? 0 }, { staleTime: 5 * 60_000 }),
    enabled: userId !== null,
    retry: false,
  });
  return user.data?.displayName ?? null;
}
