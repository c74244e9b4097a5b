import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { useTRPC } from '../../app/client';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Composer } from './Composer';
import { ConversationHeader } from './ConversationHeader';
import { MessageLog } from './MessageLog';
import { MessageRow, nameOf, PendingRow, type RowContext } from './MessageRow';
import { chatMessages } from './messages';
import { conversationName, type Member, type Message, type Row } from './types';
import { useMarkRead } from './useMarkRead';
import { useSend } from './useSend';
import { useTimeline } from './useTimeline';
import { useTypingNotice, useTypingUsers } from './useTyping';
import { PinnedBar } from './pins/PinnedBar';
import { usePins } from './pins/usePins';
import { ThreadPanel } from './threads/ThreadPanel';

/** One conversation: header, the message log, who is typing, and the composer. */
export function ConversationView({ conversationId, meId }: { conversationId: number; meId: number }) {
  const t = useT(chatMessages);
  const { locale } = useLocale();
  const trpc = useTRPC();
  const errorText = useErrorText();
  const detail = useQuery(trpc.chat.get.queryOptions({ conversationId }));
  const { timeline, error, loadOlder, loadingOlder, olderError } = useTimeline(conversationId);
  const { send, retry, discard } = useSend(conversationId);
  const typingIds = useTypingUsers(conversationId, meId);
  const typingNotice = useTypingNotice(conversationId);
  const [atEnd, setAtEnd] = useState(true);
  const [sentCount, setSentCount] = useState(0);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editingId, setEditingId] = useState<number | null>(null);
  const [threadRootId, setThreadRootId] = useState<number | null>(null);
  const edit = useMutation(trpc.chat.edit.mutationOptions({ onSuccess: () => setEditingId(null) }));
  const remove = useMutation(trpc.chat.delete.mutationOptions());
  const react = useMutation(trpc.chat.react.mutationOptions());
  const unreact = useMutation(trpc.chat.unreact.mutationOptions());
  const pins = usePins(conversationId, detail.data);
  const actionError = edit.error ?? remove.error ?? react.error ?? unreact.error ?? pins.error;

  const members = useMemo(() => detail.data?.members ?? [], [detail.data]);
  const membersById = useMemo(() => new Map(members.map((member) => [member.user.id, member])), [members]);
  const usernames = useMemo(() => new Map(members.map((member) => [member.user.username.toLowerCase(), member.user.id])), [members]);
  const messages = useMemo(() => timeline?.messages ?? [], [timeline]);
  const byId = useMemo(() => new Map(messages.map((message) => [message.id, message])), [messages]);
  const rows = useMemo<Row[]>(() => {
    const known = new Set(messages.map((message) => message.clientId));
    const pending = (timeline?.pending ?? []).filter((entry) => !known.has(entry.clientId));
    return [...messages.map((message): Row => ({ type: 'message', message })), ...pending.map((entry): Row => ({ type: 'pending', pending: entry }))];
  }, [messages, timeline?.pending]);

  const newest = messages[messages.length - 1];
  useMarkRead(conversationId, meId, newest?.id ?? null, atEnd);

  // "Seen" goes under the newest own message the others have read (all of them, in a group: their count).
  const isGroup = detail.data?.kind === 'group';
  const read = seenMarker(members, messages, meId);
  const seen = read ? { messageId: read.messageId, label: isGroup ? t('seenBy', { count: read.readers }) : t('seen') } : null;

  const ctx: RowContext = {
    meId,
    isGroup,
    members: membersById,
    usernames,
    messages: byId,
    seen,
    editingId,
    locale,
    t,
    reply: setReplyTo,
    startEdit: setEditingId,
    saveEdit: (messageId, text) => edit.mutate({ messageId, text }),
    remove: (messageId) => remove.mutate({ messageId }),
    react: (messageId, emoji, add) => (add ? react.mutate({ messageId, emoji }) : unreact.mutate({ messageId, emoji })),
    retry: (pending) => void retry(pending),
    discard,
    pins: pins.controls,
    threads: { open: setThreadRootId },
  };

  const onLoadOlder = useCallback(() => void loadOlder(), [loadOlder]);
  if (detail.error || error) {
    return (
      <section className="conversation">
        <Alert>{t('notMember')}</Alert>
      </section>
    );
  }
  const name = detail.data ? conversationName(detail.data, t('untitled')) : '';
  const typingNames = typingIds.map((userId) => nameOf(ctx, userId));
  return (
    <section className="conversation" aria-label={name}>
      {detail.data ? <ConversationHeader detail={detail.data} name={name} meId={meId} /> : null}
      <PinnedBar pins={pins.pins} controls={pins.controls} messages={byId} nameOf={(userId) => nameOf(ctx, userId)} />
      <Alert>{actionError ? errorText(actionError) : null}</Alert>
      {timeline && detail.data ? (
        <MessageLog
          key={`log-${conversationId}`}
          name={name}
          rows={rows}
          meId={meId}
          hasOlder={timeline.hasOlder}
          top={
            <p className="muted log-top-text" role="status">
              {olderError ? errorText(olderError) : loadingOlder ? t('loadingOlder') : !timeline.hasOlder ? t('beginning') : ''}
            </p>
          }
          onLoadOlder={onLoadOlder}
          onAtEndChange={setAtEnd}
          jumpToEnd={sentCount}
          renderRow={(row) => (row.type === 'message' ? <MessageRow message={row.message} ctx={ctx} /> : <PendingRow pending={row.pending} ctx={ctx} />)}
        />
      ) : (
        <p className="loading message-log">{t('loading')}</p>
      )}
      <p className="typing" role="status">
        {typingNames.length === 1
          ? t('typingOne', { name: typingNames[0]! })
          : typingNames.length > 1
            ? t('typingMany', { names: typingNames.join(', ') })
            : ''}
      </p>
      <Composer
        key={`composer-${conversationId}`}
        members={members}
        meId={meId}
        replyTo={replyTo ? { id: replyTo.id, name: nameOf(ctx, replyTo.senderId), text: replyTo.text ?? replyTo.attachment?.name ?? '' } : null}
        onCancelReply={() => setReplyTo(null)}
        onSend={(draft) => {
          typingNotice.sent();
          send(draft);
          setSentCount((count) => count + 1);
        }}
        onTyping={typingNotice.typing}
        conversationId={conversationId}
      />
      {threadRootId ? (
        <ThreadPanel key={threadRootId} rootId={threadRootId} conversationId={conversationId} ctx={ctx} onClose={() => setThreadRootId(null)} />
      ) : null}
    </section>
  );
}

/** The newest own message someone else has read, and how many have. */
function seenMarker(members: Member[], messages: Message[], meId: number): { messageId: number; readers: number } | null {
  const others = members.filter((member) => member.user.id !== meId);
  if (others.length === 0) return null;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.senderId !== meId) continue;
    const readers = others.filter((member) => member.lastReadMessageId >= message.id).length;
    if (readers > 0) return { messageId: message.id, readers };
  }
  return null;
}
