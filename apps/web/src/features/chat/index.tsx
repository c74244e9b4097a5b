import { defineMessages, useT } from '../../i18n/i18n';

const messages = defineMessages({ en: { title: 'Chats' }, zh: { title: '聊天' } });

export function ChatScreen(props: { conversationId: number | null }) {
  const t = useT(messages);
  return (
    <section className="screen" data-id={props.conversationId ?? undefined} aria-labelledby="chat-title">
      <h1 id="chat-title">{t('title')}</h1>
    </section>
  );
}
