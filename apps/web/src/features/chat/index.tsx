import { useSession } from '../../app/session';
import { useT } from '../../i18n/i18n';
import './chat.css';
import './conversation.css';
import './composer.css';
import { ConversationList } from './ConversationList';
import { ConversationView } from './ConversationView';
import { chatMessages } from './messages';
import { useChatEvents } from './useChatEvents';
import { useThreadEvents } from './threads/useThreadEvents';

/** The main screen: conversations on the left, the open one on the right (`/` and `/chat/:id`). */
export function ChatScreen({ conversationId }: { conversationId: number | null }) {
  const me = useSession();
  if (!me) return null;
  return <ChatLayout conversationId={conversationId} meId={me.user.id} />;
}

function ChatLayout({ conversationId, meId }: { conversationId: number | null; meId: number }) {
  const t = useT(chatMessages);
  useChatEvents(meId, conversationId);
  useThreadEvents(meId);
  return (
    <div className={`chat${conversationId ? ' chat-open' : ''}`}>
      <ConversationList activeId={conversationId} meId={meId} />
      {conversationId ? (
        <ConversationView key={conversationId} conversationId={conversationId} meId={meId} />
      ) : (
        <section className="conversation conversation-empty">
          <p className="muted">{t('pickConversation')}</p>
        </section>
      )}
    </div>
  );
}
