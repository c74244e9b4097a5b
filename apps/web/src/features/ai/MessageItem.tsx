import type { RouterOutputs } from '@chorus/client';
import { useT } from '../../i18n/i18n';
import { aiMessages } from './messages';
import type { LiveAnswer } from './useAnswerStream';

type AiMessage = RouterOutputs['ai']['conversations']['messages']['items'][number];

/** A question or an answer; an answer being generated shows its live text. */
export function MessageItem({
  message,
  live,
  onRegenerate,
  regenerating,
}: {
  message: AiMessage;
  live: LiveAnswer | null;
  onRegenerate: (() => void) | null;
  regenerating: boolean;
}) {
  const t = useT(aiMessages);
  const text = live?.text ?? message.content;
  const phase = live?.phase ?? message.status;
  const failure = live?.error === 'lost' ? 'streamLost' : (live?.error ?? message.errorCode);
  const isUser = message.role === 'user';
  return (
    <li className={`ai-message ${message.role}`} data-status={isUser ? undefined : phase} aria-busy={phase === 'streaming' || undefined}>
      <span className="ai-role">{isUser ? t('you') : t('assistant')}</span>
      {text ? <p className="ai-text">{text}</p> : phase === 'streaming' ? <p className="ai-text muted">{t('thinking')}</p> : null}
      {phase === 'stopped' ? <span className="ai-badge">{t('stopped')}</span> : null}
      {phase === 'failed' ? (
        <p className="error" role="alert">
          {t(failure ?? 'upstream')}
        </p>
      ) : null}
      {onRegenerate ? (
        <button type="button" className="ai-regenerate" onClick={onRegenerate} disabled={regenerating}>
          {t('regenerate')}
        </button>
      ) : null}
    </li>
  );
}
