import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'Friends' }, zh: { title: '好友' } });

export function FriendsScreen() {
  const t = useT(messages);
  return (
    <section className="screen" aria-labelledby="friends-title">
      <h1 id="friends-title">{t('title')}</h1>
    </section>
  );
}
