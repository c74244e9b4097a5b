import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { Avatar } from '../../ui/Avatar';
import { shortTime } from '../../ui/time';
import { Attachment } from './Attachment';
import { LinkPreview } from './LinkPreview';
import type { ChatT } from './messages';
import { MessageText } from './MessageText';
import { EmojiPicker, ReactionChips } from './Reactions';
import type { Member, Message, PendingMessage } from './types';
import { PinButton, PinnedMark } from './pins/PinButton';
import type { PinControls } from './pins/usePins';
import { ThreadButton, ThreadSummary, type ThreadControls } from './threads/ThreadSummary';

/** What every row needs from the conversation: lookups, the current user, and actions. */
export interface RowContext {
  meId: number;
  isGroup: boolean;
  members: ReadonlyMap<number, Member>;
  usernames: ReadonlyMap<string, number>;
  messages: ReadonlyMap<number, Message>;
  /** The own message to mark "Seen" under, and the text for it. */
  seen: { messageId: number; label: string } | null;
  editingId: number | null;
  locale: string;
  t: ChatT;
  reply: (message: Message) => void;
  startEdit: (messageId: number | null) => void;
  saveEdit: (messageId: number, text: string) => void;
  remove: (messageId: number) => void;
  react: (messageId: number, emoji: string, add: boolean) => void;
  retry: (pending: PendingMessage) => void;
  discard: (clientId: string) => void;
  pins?: PinControls;
  threads?: ThreadControls;
}

export function nameOf(ctx: RowContext, userId: number): string {
  return userId === ctx.meId ? ctx.t('you') : (ctx.members.get(userId)?.user.displayName ?? '?');
}

export function MessageRow({ message, ctx }: { message: Message; ctx: RowContext }) {
  const { t } = ctx;
  const mine = message.senderId === ctx.meId;
  const [confirming, setConfirming] = useState(false);
  const [picking, setPicking] = useState(false);
  const sender = ctx.members.get(message.senderId)?.user;
  const deleted = message.deletedAt !== null;
  const editing = ctx.editingId === message.id;
  return (
    <article className={`message${mine ? ' message-mine' : ''}`}>
      {!mine ? <Avatar name={sender?.displayName ?? '?'} url={sender?.avatarUrl} size={30} /> : null}
      <div className="message-bubble">
        <div className="message-meta">
          {ctx.isGroup && !mine ? <span className="message-sender">{sender?.displayName}</span> : null}
          <time dateTime={message.createdAt.toISOString()}>{shortTime(message.createdAt, ctx.locale)}</time>
          {message.editedAt && !deleted ? <span className="message-edited">({t('edited')})</span> : null}
          {ctx.pins && !deleted ? <PinnedMark messageId={message.id} pins={ctx.pins} /> : null}
        </div>
        {message.replyToId ? <ReplyQuote replyToId={message.replyToId} ctx={ctx} /> : null}
        {deleted ? (
          <p className="message-deleted">{t('deleted')}</p>
        ) : editing ? (
          <EditForm message={message} ctx={ctx} />
        ) : (
          <>
            {message.attachment ? <Attachment attachment={message.attachment} kind={message.kind} t={t} /> : null}
            {message.text ? <MessageText text={message.text} mentions={message.mentions} usernames={ctx.usernames} /> : null}
            {message.preview ? <LinkPreview preview={message.preview} /> : null}
          </>
        )}
        {!deleted ? <ReactionChips message={message} ctx={ctx} /> : null}
        {ctx.threads ? <ThreadSummary message={message} ctx={ctx} threads={ctx.threads} /> : null}
      </div>
      {!deleted && !editing ? (
        <div className={`message-actions${picking || confirming ? ' message-actions-open' : ''}`}>
          {picking ? <EmojiPicker message={message} ctx={ctx} onDone={() => setPicking(false)} /> : null}
          <button type="button" className="link" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            {t('react')}
          </button>
          <button type="button" className="link" onClick={() => ctx.reply(message)}>
            {t('reply')}
          </button>
          {ctx.pins ? <PinButton messageId={message.id} pins={ctx.pins} /> : null}
          {ctx.threads ? <ThreadButton message={message} threads={ctx.threads} /> : null}
          {mine && message.kind === 'text' ? (
            <button type="button" className="link" onClick={() => ctx.startEdit(message.id)}>
              {t('edit')}
            </button>
          ) : null}
          {mine && !confirming ? (
            <button type="button" className="link" onClick={() => setConfirming(true)}>
              {t('delete')}
            </button>
          ) : null}
          {mine && confirming ? (
            <>
              <button type="button" className="link danger" onClick={() => ctx.remove(message.id)}>
                {t('confirmDelete')}
              </button>
              <button type="button" className="link" onClick={() => setConfirming(false)}>
                {t('cancel')}
              </button>
            </>
          ) : null}
        </div>
      ) : null}
      {ctx.seen?.messageId === message.id ? <p className="message-seen">{ctx.seen.label}</p> : null}
    </article>
  );
}

function ReplyQuote({ replyToId, ctx }: { replyToId: number; ctx: RowContext }) {
  const original = ctx.messages.get(replyToId);
  const text = !original ? ctx.t('originalMessage') : original.deletedAt ? ctx.t('deleted') : (original.text ?? original.attachment?.name ?? '');
  return (
    <blockquote className="message-quote">
      {original ? <strong>{nameOf(ctx, original.senderId)}: </strong> : null}
      {text.length > 140 ? `${text.slice(0, 140)}…` : text}
    </blockquote>
  );
}

function EditForm({ message, ctx }: { message: Message; ctx: RowContext }) {
  const { t } = ctx;
  const [text, setText] = useState(message.text ?? '');
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (text.trim() && text !== message.text) ctx.saveEdit(message.id, text);
    else ctx.startEdit(null);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') ctx.startEdit(null);
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  const id = `edit-${message.id}`;
  return (
    <form className="message-edit" onSubmit={submit}>
      <label htmlFor={id}>{t('editMessage')}</label>
      <textarea id={id} value={text} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} rows={2} autoFocus />
      <div className="message-edit-actions">
        <button type="submit" className="primary">
          {t('save')}
        </button>
        <button type="button" onClick={() => ctx.startEdit(null)}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

/** A message of ours the server has not confirmed: "Sending…", or why it failed and "Retry". */
export function PendingRow({ pending, ctx }: { pending: PendingMessage; ctx: RowContext }) {
  const { t } = ctx;
  return (
    <article className="message message-mine message-pending">
      <div className="message-bubble">
        {pending.replyToId ? <ReplyQuote replyToId={pending.replyToId} ctx={ctx} /> : null}
        {pending.fileName ? <p className="attachment-file">{pending.fileName}</p> : null}
        {pending.text ? <MessageText text={pending.text} mentions={[]} usernames={ctx.usernames} /> : null}
        {pending.error ? (
          <div className="message-failed" role="alert">
            <span>{t('notSent', { reason: pending.error })}</span>
            <button type="button" className="link" onClick={() => ctx.retry(pending)}>
              {t('retry')}
            </button>
            <button type="button" className="link" onClick={() => ctx.discard(pending.clientId)}>
              {t('dismiss')}
            </button>
          </div>
        ) : (
          <p className="message-meta">{t('sending')}</p>
        )}
      </div>
    </article>
  );
}
