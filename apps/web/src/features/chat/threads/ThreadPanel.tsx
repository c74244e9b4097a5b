import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useT } from '../../../i18n/i18n';
import { Alert } from '../../../ui/Alert';
import { Avatar } from '../../../ui/Avatar';
import { useErrorText } from '../../../ui/errors';
import { shortTime } from '../../../ui/time';
import { nameOf, type RowContext } from '../MessageRow';
import { MessageText } from '../MessageText';
import type { Message } from '../types';
import { threadMessages } from './messages';
import { useThread } from './useThread';

/** A thread over the right of the log: its root, the replies oldest first, and a reply box. */
export function ThreadPanel({ rootId, conversationId, ctx, onClose }: { rootId: number; conversationId: number; ctx: RowContext; onClose: () => void }) {
  const t = useT(threadMessages);
  const errorText = useErrorText();
  const thread = useThread(rootId, conversationId);
  const { query } = thread;
  return (
    <aside className="thread-panel" aria-label={t('thread')}>
      <div className="thread-head">
        <h3>{t('thread')}</h3>
        <button type="button" className="link" aria-pressed={thread.following} onClick={thread.toggleFollow} disabled={!thread.root}>
          {thread.following ? t('unfollow') : t('follow')}
        </button>
        <button type="button" className="link" onClick={onClose}>
          {t('closeThread')}
        </button>
      </div>
      <Alert>{thread.error ? errorText(thread.error) : null}</Alert>
      {thread.root ? <ThreadMessage message={thread.root} ctx={ctx} root /> : <p className="muted">{t('loading')}</p>}
      <div className="thread-replies" role="log" aria-label={t('replies')}>
        {query.isSuccess && thread.replies.length === 0 ? <p className="muted">{t('noReplies')}</p> : null}
        <ul>
          {thread.replies.map((reply) => (
            <li key={reply.id}>
              <ThreadMessage message={reply} ctx={ctx} />
            </li>
          ))}
        </ul>
        {query.hasNextPage ? (
          <button type="button" className="link" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {t('loadMoreReplies')}
          </button>
        ) : null}
      </div>
      <ReplyBox key={rootId} rootId={rootId} sending={thread.sending} onSend={thread.sendReply} />
    </aside>
  );
}

function ThreadMessage({ message, ctx, root = false }: { message: Message; ctx: RowContext; root?: boolean }) {
  const t = useT(threadMessages);
  const sender = ctx.members.get(message.senderId)?.user;
  return (
    <article className={`thread-message${root ? ' thread-root' : ''}`}>
      <Avatar name={sender?.displayName ?? '?'} url={sender?.avatarUrl} size={24} />
      <div>
        <div className="message-meta">
          <span className="message-sender">{nameOf(ctx, message.senderId)}</span>
          <time dateTime={message.createdAt.toISOString()}>{shortTime(message.createdAt, ctx.locale)}</time>
        </div>
        {message.deletedAt ? (
          <p className="message-deleted">{t('deleted')}</p>
        ) : (
          <>
            {message.attachment ? <p className="attachment-file">{message.attachment.name}</p> : null}
            {message.text ? <MessageText text={message.text} mentions={message.mentions} usernames={ctx.usernames} /> : null}
          </>
        )}
      </div>
    </article>
  );
}

/** Enter sends, Shift+Enter is a new line; the box empties once the server has the reply. */
function ReplyBox({ rootId, sending, onSend }: { rootId: number; sending: boolean; onSend: (text: string, onSent: () => void) => void }) {
  const t = useT(threadMessages);
  const [text, setText] = useState('');
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (text.trim() && !sending) onSend(text, () => setText(''));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  const id = `thread-reply-${rootId}`;
  return (
    <form className="thread-composer" onSubmit={submit}>
      <label htmlFor={id}>{t('threadReply')}</label>
      <textarea id={id} value={text} rows={2} maxLength={4000} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} autoFocus />
      <button type="submit" className="primary" disabled={!text.trim() || sending}>
        {t('sendReply')}
      </button>
    </form>
  );
}
