import { useRef, useState, type ChangeEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useT } from '../../i18n/i18n';
import { AttachButton } from './AttachButton';
import { chatMessages } from './messages';
import type { Draft } from './useSend';
import type { Member } from './types';

interface ComposerProps {
  members: Member[];
  meId: number;
  /** The message being answered, with what to show of it. */
  replyTo: { id: number; name: string; text: string } | null;
  onCancelReply: () => void;
  onSend: (draft: Draft) => void;
  onTyping: () => void;
}

/** `@` followed by what is typed so far, right before the caret. */
function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(^|\s)@([\p{L}\p{N}_]{0,32})$/u.exec(text.slice(0, caret));
  return match ? { start: caret - match[2]!.length - 1, query: match[2]!.toLowerCase() } : null;
}

/** The message box: Enter sends, Shift+Enter is a new line, `@` suggests members. */
export function Composer({ members, meId, replyTo, onCancelReply, onSend, onTyping }: ComposerProps) {
  const t = useT(chatMessages);
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  const mention = dismissed ? null : mentionAt(text, caret);
  const suggestions = mention
    ? members
        .filter((member) => member.user.id !== meId)
        .filter((member) => member.user.username.toLowerCase().startsWith(mention.query) || member.user.displayName.toLowerCase().startsWith(mention.query))
        .slice(0, 6)
    : [];

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim()) return;
    onSend({ kind: 'text', text, replyToId: replyTo?.id });
    setText('');
    setCaret(0);
    onCancelReply();
  };

  const pick = (member: Member) => {
    if (!mention) return;
    const inserted = `@${member.user.username} `;
    const next = text.slice(0, mention.start) + inserted + text.slice(caret);
    const position = mention.start + inserted.length;
    setText(next);
    setCaret(position);
    requestAnimationFrame(() => box.current?.setSelectionRange(position, position));
  };

  const onChange = (event: ChangeEvent<HTMLTextAreaElement>) => {
    setText(event.target.value);
    setCaret(event.target.selectionStart);
    setDismissed(false);
    setActive(0);
    if (event.target.value.trim()) onTyping();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (suggestions.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive((active + step + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        pick(suggestions[active] ?? suggestions[0]!);
        return;
      }
      if (event.key === 'Escape') {
        setDismissed(true);
        return;
      }
    }
    if (event.key === 'Escape' && replyTo) onCancelReply();
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      {replyTo ? (
        <div className="composer-reply">
          <span>
            <strong>{t('replyingTo', { name: replyTo.name })}</strong> {replyTo.text.length > 100 ? `${replyTo.text.slice(0, 100)}…` : replyTo.text}
          </span>
          <button type="button" className="link" onClick={onCancelReply}>
            {t('cancelReply')}
          </button>
        </div>
      ) : null}
      {suggestions.length > 0 ? (
        <ul className="mention-list" role="listbox" id="mention-list" aria-label={t('mentionSuggestions')}>
          {suggestions.map((member, index) => (
            <li
              key={member.user.id}
              id={`mention-${member.user.id}`}
              role="option"
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                pick(member);
              }}
            >
              {member.user.displayName} <span className="muted">@{member.user.username}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="composer-row">
        <AttachButton onSend={onSend} />
        <label htmlFor="composer-text" className="composer-label">
          {t('message')}
        </label>
        <textarea
          id="composer-text"
          ref={box}
          value={text}
          rows={1}
          maxLength={4000}
          onChange={onChange}
          onKeyDown={onKeyDown}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          aria-controls={suggestions.length > 0 ? 'mention-list' : undefined}
          aria-activedescendant={suggestions[active] ? `mention-${suggestions[active].user.id}` : undefined}
        />
        <button type="submit" className="primary" disabled={!text.trim()}>
          {t('send')}
        </button>
      </div>
    </form>
  );
}
