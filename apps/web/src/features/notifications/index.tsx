import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'Notifications' }, zh: { title: '通知' } });

export function NotificationsScreen() {
  const t = useT(messages);
  return (
    <section className="screen" aria-labelledby="notifications-title">
      <h1 id="notifications-title">{t('title')}</h1>
    </section>
  );
}

/** The bell in the navigation with the live unread count. */
export function NotificationsBell() {
  return null;
}
