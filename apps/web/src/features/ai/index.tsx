import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'AI' }, zh: { title: 'AI 助手' } });

export function AiScreen(props: { conversationId: number | null; page: 'chat' | 'providers' | 'images' }) {
  const t = useT(messages);
  return (
    <section className="screen" data-id={props.conversationId ?? undefined} aria-labelledby="ai-title">
      <h1 id="ai-title">{t('title')}</h1>
    </section>
  );
}
