import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { defineMessages, useT } from '../../i18n/i18n';
import { useErrorText } from '../../ui/errors';

const messages = defineMessages({
  en: { suggest: 'Suggest replies', suggesting: 'Thinking…', suggestions: 'Suggested replies', none: 'No suggestions this time.' },
  zh: { suggest: '建议回复', suggesting: '思考中…', suggestions: '建议的回复', none: '这次没有建议。' },
});

/**
 * Asks the AI for three short replies to a chat or room conversation; picking one hands its
 * text to the composer (nothing is sent by itself).
 */
export function SuggestReplies({ conversationId, onPick }: { conversationId: number; onPick: (text: string) => void }) {
  const t = useT(messages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const suggest = useMutation(trpc.ai.suggestReplies.mutationOptions());
  const suggestions = suggest.data?.suggestions;
  return (
    <div className="suggest-replies" style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 6 }}>
      <button type="button" onClick={() => suggest.mutate({ conversationId })} disabled={suggest.isPending}>
        {suggest.isPending ? t('suggesting') : t('suggest')}
      </button>
      {suggest.error ? (
        <span className="error" role="alert">
          {errorText(suggest.error)}
        </span>
      ) : null}
      {suggestions && suggestions.length === 0 ? <span role="status">{t('none')}</span> : null}
      {suggestions && suggestions.length > 0 ? (
        <ul aria-label={t('suggestions')} style={{ display: 'flex', flexWrap: 'wrap', gap: 6, listStyle: 'none', margin: 0, padding: 0 }}>
          {suggestions.map((text) => (
            <li key={text}>
              <button
                type="button"
                onClick={() => {
                  onPick(text);
                  suggest.reset();
                }}
              >
                {text}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
