import type { RouterOutputs } from '@chorus/client';
import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { roomMessages } from './messages';

/** What a non-member can do about a room: join it, apply to it, or read why not. */
export function JoinPanel({ view, onJoined }: { view: RouterOutputs['rooms']['get']; onJoined: () => void }) {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const messageId = useId();
  const [message, setMessage] = useState('');
  const join = useMutation(trpc.rooms.join.mutationOptions({ onSuccess: onJoined }));
  const apply = useMutation(trpc.rooms.applyToJoin.mutationOptions({ onSuccess: onJoined }));
  const { room, myStatus } = view;
  const error = join.error ?? apply.error;

  const submitApplication = (event: FormEvent) => {
    event.preventDefault();
    apply.mutate({ roomId: room.id, message: message.trim() || undefined });
  };

  let body;
  if (myStatus === 'banned') body = <p>{t('banned')}</p>;
  else if (myStatus === 'applied') body = <p role="status">{t('applied')}</p>;
  else if (myStatus === 'invited' || room.joinPolicy === 'open') {
    body = (
      <>
        {myStatus === 'invited' ? <p>{t('invited')}</p> : null}
        <button type="button" className="primary" disabled={join.isPending} onClick={() => join.mutate({ roomId: room.id })}>
          {t('join')}
        </button>
      </>
    );
  } else if (room.joinPolicy === 'approval') {
    body = (
      <form onSubmit={submitApplication}>
        <div className="field">
          <label htmlFor={messageId}>{t('applyMessage')}</label>
          <textarea id={messageId} rows={2} maxLength={500} value={message} onChange={(event) => setMessage(event.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={apply.isPending}>
          {t('applyToJoin')}
        </button>
      </form>
    );
  } else body = <p>{t('inviteOnly')}</p>;

  return (
    <section className="room-join">
      <p>
        {t('notMember')} {t('members', { count: room.memberCount })}
      </p>
      {body}
      <Alert>{error ? errorText(error) : null}</Alert>
    </section>
  );
}
