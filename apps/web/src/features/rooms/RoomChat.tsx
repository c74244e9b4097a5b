import type { PublicMessage } from '@chorus/client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { shortTime } from '../../ui/time';
import { roomMessages } from './messages';
import type { RoomMember } from './useRoomEvents';

interface Props {
  roomId: number;
  members: RoomMember[];
  /** Messages received live on the room's stream, oldest first. */
  live: PublicMessage[];
}

/** The room's conversation: the latest history, then what arrives live, and a composer. */
export function RoomChat({ roomId, members, live }: Props) {
  const t = useT(roomMessages);
  const { locale } = useLocale();
  const trpc = useTRPC();
  const errorText = useErrorText();
  const inputId = useId();
  const [text, setText] = useState('');
  // Loaded on every visit: the live list starts empty each time the room opens.
  const history = useQuery(trpc.chat.history.queryOptions({ conversationId: roomId, limit: 50 }, { staleTime: 0 }));
  const send = useMutation(trpc.chat.send.mutationOptions());
  const logRef = useRef<HTMLOListElement>(null);

  const messages = useMemo(() => {
    const byId = new Map<number, PublicMessage>();
    for (const message of [...(history.data ?? [])].reverse()) byId.set(message.id, message);
    for (const message of live) byId.set(message.id, message);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }, [history.data, live]);
  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.displayName])), [members]);

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messages.length]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || send.isPending) return;
    send.mutate({ conversationId: roomId, clientId: crypto.randomUUID(), kind: 'text', text: body }, { onSuccess: () => setText('') });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  return (
    <section className="room-chat" aria-labelledby="room-chat-title">
      <h2 id="room-chat-title">{t('chatTitle')}</h2>
      <ol className="room-messages" role="log" aria-labelledby="room-chat-title" ref={logRef}>
        {messages.map((message) => (
          <li key={message.id} role="listitem">
            <strong>{names.get(message.senderId) ?? `#${message.senderId}`}</strong>{' '}
            <time dateTime={message.createdAt.toISOString()}>{shortTime(message.createdAt, locale)}</time>
            <p>{messageText(message, t)}</p>
          </li>
        ))}
      </ol>
      {messages.length === 0 && !history.isPending ? <p className="hint">{t('noMessages')}</p> : null}
      <Alert>{history.error ? errorText(history.error) : send.error ? errorText(send.error) : null}</Alert>
      <form className="room-composer" onSubmit={submit}>
        <label htmlFor={inputId}>{t('message')}</label>
        <textarea id={inputId} rows={2} value={text} maxLength={4000} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} />
        <button type="submit" className="primary" disabled={!text.trim() || send.isPending}>
          {t('send')}
        </button>
      </form>
    </section>
  );
}

function messageText(message: PublicMessage, t: (key: 'deletedMessage' | 'sharedFile', vars?: Record<string, string>) => string): string {
  if (message.deletedAt) return t('deletedMessage');
  if (message.attachment) return t('sharedFile', { name: message.attachment.name });
  return message.text ?? '';
}
