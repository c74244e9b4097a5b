import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useChorusEvents } from '../../app/events';
import { Link } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import './ai.css';
import { ConversationView } from './ConversationView';
import { ImagesPage } from './ImagesPage';
import { CONVERSATIONS_PAGE } from './configs';
import { aiMessages } from './messages';
import { ProvidersPage } from './ProvidersPage';

/** The AI area: conversations on the side; a conversation, the providers or image generation beside. */
export default function AiScreen({ page, conversationId }: { conversationId: number | null; page: 'chat' | 'providers' | 'images' }) {
  const t = useT(aiMessages);
  return (
    <div className="ai">
      <aside className="ai-side">
        <nav className="ai-sections" aria-label={t('sections')}>
          <Link to="/ai" className="ai-new" aria-current={page === 'chat' && conversationId === null ? 'page' : undefined}>
            {t('newConversation')}
          </Link>
          <Link to="/ai/providers" aria-current={page === 'providers' ? 'page' : undefined}>
            {t('providers')}
          </Link>
          <Link to="/ai/images" aria-current={page === 'images' ? 'page' : undefined}>
            {t('images')}
          </Link>
        </nav>
        <ConversationList selected={page === 'chat' ? conversationId : null} />
      </aside>
      <main className="ai-main">
        {page === 'providers' ? (
          <ProvidersPage />
        ) : page === 'images' ? (
          <ImagesPage />
        ) : (
          <ConversationView key={conversationId ?? 'new'} conversationId={conversationId} />
        )}
      </main>
    </div>
  );
}

/** The user's AI conversations by last activity; titles the server writes arrive live. */
function ConversationList({ selected }: { selected: number | null }) {
  const t = useT(aiMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const list = useQuery(trpc.ai.conversations.list.queryOptions(CONVERSATIONS_PAGE));
  useChorusEvents((event) => {
    if (event.type !== 'ai.title') return;
    const key = trpc.ai.conversations.list.queryKey(CONVERSATIONS_PAGE);
    queryClient.setQueryData(key, (old) =>
      old ? { ...old, items: old.items.map((item) => (item.id === event.conversationId ? { ...item, title: event.title } : item)) } : old,
    );
    // A list fetched before the title was written (one still in flight when the event came, or one
    // without the new conversation yet) would drop it: fetch the list again, cancelling that one.
    void queryClient.invalidateQueries({ queryKey: key });
  });
  return (
    <section className="ai-conversations" aria-labelledby="ai-conversations-title">
      <h2 id="ai-conversations-title">{t('conversations')}</h2>
      <Alert>{list.error ? errorText(list.error) : null}</Alert>
      {list.isPending ? <p role="status">{t('loading')}</p> : null}
      {list.data && list.data.items.length === 0 ? <p className="muted">{t('noConversations')}</p> : null}
      <ul>
        {list.data?.items.map((conversation) => (
          <li key={conversation.id}>
            <Link to={`/ai/${conversation.id}`} aria-current={conversation.id === selected ? 'page' : undefined}>
              {conversation.title ?? t('untitled')}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
