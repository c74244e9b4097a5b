import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useT } from '../../i18n/i18n';
import { aiMessages } from './messages';

/** The prompt box: Enter sends, Shift+Enter adds a line; "Stop" while an answer streams. */
export function Composer({
  busy,
  onSend,
  onStop,
  stopping,
}: {
  busy: boolean;
  /** `restore` puts the text back when the send fails. */
  onSend: (content: string, restore: () => void) => void;
  onStop: (() => void) | null;
  stopping: boolean;
}) {
  const t = useT(aiMessages);
  const id = useId();
  const [text, setText] = useState('');
  const send = () => {
    const content = text.trim();
    if (!content || busy) return;
    setText('');
    onSend(content, () => setText(content));
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method is composing: its Enter picks a candidate.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };
  return (
    <form className="ai-composer" onSubmit={onSubmit}>
      <label htmlFor={id}>{t('message')}</label>
      <textarea id={id} value={text} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} rows={3} aria-describedby={`${id}-hint`} />
      <small id={`${id}-hint`} className="hint">
        {t('messageHint')}
      </small>
      <div className="ai-composer-actions">
        {onStop ? (
          <button type="button" onClick={onStop} disabled={stopping}>
            {t('stop')}
          </button>
        ) : null}
        <button type="submit" className="primary" disabled={busy || text.trim() === ''}>
          {t('send')}
        </button>
      </div>
    </form>
  );
}
