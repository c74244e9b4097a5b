import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'Settings' }, zh: { title: '设置' } });

export function SettingsScreen() {
  const t = useT(messages);
  return (
    <section className="screen" aria-labelledby="account-title">
      <h1 id="account-title">{t('title')}</h1>
    </section>
  );
}
