import type { RouterOutputs } from '@chorus/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { roomMessages } from './messages';
import type { RoomMember } from './useRoomEvents';

type Application = NonNullable<RouterOutputs['rooms']['get']['pendingApplications']>[number];

/** For the owner and admins: invite friends, decide on applications. */
export function RoomManage({ roomId, members, applications }: { roomId: number; members: RoomMember[]; applications: Application[] }) {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const selectId = useId();
  const [friendId, setFriendId] = useState('');
  const friends = useQuery(trpc.friends.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.rooms.get.queryKey({ roomId }) });
  const invite = useMutation(trpc.rooms.invite.mutationOptions({ onSuccess: () => void refresh().then(() => setFriendId('')) }));
  const review = useMutation(trpc.rooms.reviewApplication.mutationOptions({ onSuccess: () => void refresh() }));
  const memberIds = new Set(members.map((m) => m.userId));
  const candidates = (friends.data ?? []).filter((f) => !memberIds.has(f.user.id));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (friendId) invite.mutate({ roomId, userId: Number(friendId) });
  };

  return (
    <section className="room-manage">
      <form onSubmit={submit} aria-labelledby={`${selectId}-title`}>
        <h2 id={`${selectId}-title`}>{t('inviteTitle')}</h2>
        <div className="field">
          <label htmlFor={selectId}>{t('friend')}</label>
          <select id={selectId} value={friendId} onChange={(event) => setFriendId(event.target.value)}>
            <option value="">{t('chooseFriend')}</option>
            {candidates.map((f) => (
              <option key={f.user.id} value={f.user.id}>
                {f.user.displayName} (@{f.user.username})
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={!friendId || invite.isPending}>
          {t('invite')}
        </button>
        {invite.isSuccess ? <Alert kind="info">{t('inviteSent')}</Alert> : null}
        <Alert>{invite.error ? errorText(invite.error) : null}</Alert>
      </form>
      {applications.length > 0 ? (
        <div>
          <h2>{t('applicationsTitle')}</h2>
          <ul className="room-applications">
            {applications.map((application) => (
              <li key={application.id}>
                <ApplicantName userId={application.userId} />
                {application.message ? <q>{application.message}</q> : null}
                <button type="button" disabled={review.isPending} onClick={() => review.mutate({ applicationId: application.id, approve: true })}>
                  {t('approve')}
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={review.isPending}
                  onClick={() => review.mutate({ applicationId: application.id, approve: false })}
                >
                  {t('reject')}
                </button>
              </li>
            ))}
          </ul>
          <Alert>{review.error ? errorText(review.error) : null}</Alert>
        </div>
      ) : null}
    </section>
  );
}

function ApplicantName({ userId }: { userId: number }) {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const user = useQuery(trpc.users.get.queryOptions({ userId }, { staleTime: Infinity }));
  return <span className="member-name">{user.data ? `${user.data.displayName} (@${user.data.username})` : t('applicant', { id: userId })}</span>;
}
