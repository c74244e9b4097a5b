import { isChorusError } from '@chorus/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTRPC, useTRPCClient } from '../../app/client';
import { Link, navigate } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Composer } from './Composer';
import { CONVERSATIONS_PAGE, ProviderPicker, useConfigs, type ProviderRef } from './configs';
import { aiMessages } from './messages';
import { MessageItem } from './MessageItem';
import { useAnswerStream } from './useAnswerStream';

// An AI conversation is read whole (the server gives at most 200 at once); older ones are noted.
const HISTORY = 200;

/** One AI conversation (or a new one, created by its first message): history, live answer, composer. */
export function ConversationView({ conversationId }: { conversationId: number | null }) {
  const t = useT(aiMessages);
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const configs = useConfigs();
  const [configId, setConfigId] = useState<ProviderRef | null>(null);
  const list = useQuery(trpc.ai.conversations.list.queryOptions(CONVERSATIONS_PAGE));
  const historyOptions = (id: number) => trpc.ai.conversations.messages.queryOptions({ conversationId: id, limit: HISTORY });
  const history = useQuery({ ...historyOptions(conversationId ?? 0), enabled: conversationId !== null, staleTime: 0 });
  const messages = useMemo(() => [...(history.data?.items ?? [])].reverse(), [history.data]);
  const last = messages.at(-1);
  const streaming = last?.role === 'assistant' && last.status === 'streaming' ? last : null;

  const refresh = (id: number) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: historyOptions(id).queryKey }),
      queryClient.invalidateQueries(trpc.ai.conversations.list.queryFilter()),
    ]);
  const live = useAnswerStream(streaming?.id ?? null, () => void (conversationId !== null && refresh(conversationId)));

  // A new conversation made for a first message whose send failed is reused by the retry.
  const created = useRef<number | null>(null);
  const ask = useMutation({
    mutationFn: async (content: string) => {
      const ref = configId ?? undefined;
      const id = conversationId ?? (created.current ??= (await client.ai.conversations.create.mutate({ configId: ref })).id);
      await client.ai.chat.send.mutate({ conversationId: id, content, clientId: crypto.randomUUID(), configId: ref });
      return id;
    },
    onSuccess: async (id) => {
      if (conversationId !== null) return refresh(id);
      // The new conversation's page opens with its messages already loaded.
      await Promise.all([queryClient.prefetchQuery(historyOptions(id)), queryClient.invalidateQueries(trpc.ai.conversations.list.queryFilter())]);
      navigate(`/ai/${id}`);
    },
  });
  const after = { onSettled: () => conversationId !== null && refresh(conversationId) };
  const stop = useMutation(trpc.ai.chat.stop.mutationOptions(after));
  const regenerate = useMutation(trpc.ai.chat.regenerate.mutationOptions(after));
  const remove = useMutation(
    trpc.ai.conversations.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.ai.conversations.list.queryFilter());
        navigate('/ai');
      },
    }),
  );

  // Follow the conversation as it grows, unless the reader scrolled up.
  const logRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const log = logRef.current;
    if (log && pinned.current) log.scrollTop = log.scrollHeight;
  }, [messages, live?.text, ask.isPending]);

  const title = list.data?.items.find((item) => item.id === conversationId)?.title ?? t('untitled');
  const noProvider = configs.data?.length === 0 || (ask.error !== null && isChorusError(ask.error, 'AI_NOT_CONFIGURED'));
  const error = ask.error ?? stop.error ?? regenerate.error ?? remove.error ?? history.error;
  const busy = streaming !== null && live?.phase !== 'complete' && live?.phase !== 'failed' && live?.phase !== 'stopped';

  return (
    <section className="ai-conversation" aria-labelledby="ai-conversation-title">
      <header className="ai-conversation-head">
        <h1 id="ai-conversation-title">{conversationId === null ? t('newConversation') : title}</h1>
        {conversationId !== null ? (
          <button type="button" className="danger" onClick={() => remove.mutate({ conversationId })} disabled={remove.isPending}>
            {t('deleteConversation')}
          </button>
        ) : null}
      </header>
      <div
        className="ai-messages"
        role="log"
        aria-labelledby="ai-conversation-title"
        ref={logRef}
        onScroll={(event) => {
          const el = event.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        <ol>
          {history.data?.nextBeforeId ? <li className="muted">{t('loadEarlier')}</li> : null}
          {messages.length === 0 && !ask.isPending && !history.isLoading ? <li className="muted">{t('emptyConversation')}</li> : null}
          {messages.map((message) => (
            <MessageItem
              key={message.id}
              message={message}
              live={message.id === streaming?.id ? live : null}
              onRegenerate={message === last && message.role === 'assistant' && !busy ? () => regenerate.mutate({ assistantMessageId: message.id }) : null}
              regenerating={regenerate.isPending}
            />
          ))}
          {ask.isPending ? (
            <li className="ai-message user">
              <span className="ai-role">{t('you')}</span>
              <p className="ai-text">{ask.variables}</p>
            </li>
          ) : null}
        </ol>
      </div>
      {noProvider ? (
        <p className="ai-note">
          {t('addProviderFirst')} <Link to="/ai/providers">{t('addProviderLink')}</Link>
        </p>
      ) : null}
      <Alert>{error ? errorText(error) : null}</Alert>
      <div className="ai-compose">
        <ProviderPicker configs={configs.data ?? []} value={configId} onChange={setConfigId} />
        <Composer
          busy={busy || ask.isPending}
          onSend={(content, restore) => ask.mutate(content, { onError: restore })}
          onStop={streaming && busy ? () => stop.mutate({ assistantMessageId: streaming.id }) : null}
          stopping={stop.isPending}
        />
      </div>
    </section>
  );
}
