import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'Admin' }, zh: { title: '管理' } });

export function AdminScreen() {
  const t = useT(messages);
  return (
    <section className="screen" aria-labelledby="admin-title">
      <h1 id="admin-title">{t('title')}</h1>
    </section>
  );
}
