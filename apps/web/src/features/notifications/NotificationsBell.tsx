import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useChorusEvents } from '../../app/events';
import { navigate } from '../../app/router';
import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({
  en: { bell: 'Notifications', bellCount: 'Notifications ({count})' },
  zh: { bell: '通知', bellCount: '通知（{count}）' },
});

/** The bell in the top bar: the unread count, kept live by `notification` events. */
export function NotificationsBell() {
  const t = useT(messages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const unread = useQuery(trpc.notifications.unreadCount.queryOptions(undefined, { staleTime: 60_000 }));
  useChorusEvents((event) => {
    // A (re)started stream begins with a snapshot: anything stored before it was not pushed.
    if (event.type === 'presence.snapshot') void queryClient.invalidateQueries(trpc.notifications.unreadCount.queryFilter());
    if (event.type !== 'notification') return;
    // Shown at once, then confirmed by the server (a count fetched meanwhile may predate it).
    queryClient.setQueryData(trpc.notifications.unreadCount.queryKey(), (old) => (old ? { count: old.count + 1 } : old));
    void queryClient.invalidateQueries(trpc.notifications.unreadCount.queryFilter());
    void queryClient.invalidateQueries(trpc.notifications.list.pathFilter());
  });
  const count = unread.data?.count ?? 0;
  return (
    <button type="button" className="bell" onClick={() => navigate('/notifications')} aria-label={count > 0 ? t('bellCount', { count }) : t('bell')}>
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {count > 0 ? (
        <span className="bell-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      ) : null}
    </button>
  );
}
