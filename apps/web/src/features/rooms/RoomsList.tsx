import type { RouterOutputs } from '@chorus/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTRPC } from '../../app/client';
import { useChorusEvents } from '../../app/events';
import { Link, navigate } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { CreateRoomForm } from './CreateRoomForm';
import { roomMessages } from './messages';

type RoomItem = RouterOutputs['rooms']['list']['items'][number];
type Notification = RouterOutputs['notifications']['list']['items'][number];
interface Invitation {
  inviteId: number;
  roomId: number;
  roomName: string;
}

/** A `room_invite` notification's payload, when it has the expected shape. */
function invitationOf(notification: Notification): Invitation | null {
  const { inviteId, roomId, roomName } = notification.payload;
  if (notification.type !== 'room_invite' || typeof inviteId !== 'number' || typeof roomId !== 'number') return null;
  return { inviteId, roomId, roomName: typeof roomName === 'string' ? roomName : `#${roomId}` };
}

/** Rooms to open: mine, invitations to answer, public ones to discover; and a form to make one. */
export function RoomsList() {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const [query, setQuery] = useState('');
  const search = useDeferredValue(query.trim());
  const mine = useQuery(trpc.rooms.list.queryOptions({ scope: 'mine', limit: 100 }));
  const discover = useQuery(trpc.rooms.list.queryOptions({ scope: 'public', query: search || undefined, limit: 50 }));

  return (
    <section className="screen rooms" aria-labelledby="rooms-title">
      <h1 id="rooms-title">{t('title')}</h1>
      <div className="rooms-columns">
        <div>
          <h2>{t('myRooms')}</h2>
          <Alert>{mine.error ? errorText(mine.error) : null}</Alert>
          <RoomList items={mine.data?.items} empty={t('noRooms')} />
          <Invitations />
          <h2>{t('publicRooms')}</h2>
          <Field label={t('search')} hint={t('searchHint')} type="search" value={query} onChange={(event) => setQuery(event.target.value)} />
          <Alert>{discover.error ? errorText(discover.error) : null}</Alert>
          <RoomList items={discover.data?.items} empty={t('noPublicRooms')} />
        </div>
        <CreateRoomForm />
      </div>
    </section>
  );
}

function RoomList({ items, empty }: { items: RoomItem[] | undefined; empty: string }) {
  const t = useT(roomMessages);
  if (!items) return <p className="hint">{t('loading')}</p>;
  if (items.length === 0) return <p className="hint">{empty}</p>;
  return (
    <ul className="room-list">
      {items.map((room) => (
        <li key={room.id}>
          <Link to={`/rooms/${room.id}`}>{room.name}</Link>
          <span className="hint">
            {' '}
            · {t('members', { count: room.memberCount })}
            {room.myRole ? ` · ${t(room.myRole)}` : ''}
          </span>
          {room.description ? <p className="hint">{room.description}</p> : null}
        </li>
      ))}
    </ul>
  );
}

function Invitations() {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [answered, setAnswered] = useState<Set<number>>(() => new Set());
  const notifications = useQuery(trpc.notifications.list.queryOptions({ limit: 100 }));
  const respond = useMutation(trpc.rooms.respondInvite.mutationOptions());
  useChorusEvents((event) => {
    if (event.type === 'notification' && event.notification.type === 'room_invite') {
      void queryClient.invalidateQueries({ queryKey: trpc.notifications.list.queryKey({ limit: 100 }) });
    }
  });
  const byId = new Map<number, Invitation>();
  for (const notification of notifications.data?.items ?? []) {
    const invite = invitationOf(notification);
    if (invite && !answered.has(invite.inviteId)) byId.set(invite.inviteId, invite);
  }
  const invitations = [...byId.values()];

  const answer = (invite: Invitation, accept: boolean) =>
    respond.mutate(
      { inviteId: invite.inviteId, accept },
      {
        onSuccess: ({ joined }) => {
          setAnswered((prev) => new Set(prev).add(invite.inviteId));
          void queryClient.invalidateQueries({ queryKey: trpc.rooms.list.pathKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.rooms.get.queryKey({ roomId: invite.roomId }) });
          if (joined) navigate(`/rooms/${invite.roomId}`);
        },
        // An invitation already answered (or withdrawn) elsewhere: nothing left to do with it.
        onError: () => setAnswered((prev) => new Set(prev).add(invite.inviteId)),
      },
    );

  if (invitations.length === 0) return null;
  return (
    <>
      <h2>{t('invitations')}</h2>
      <ul className="room-list">
        {invitations.map((invite) => (
          <li key={invite.inviteId}>
            <span>{t('invitedTo', { room: invite.roomName })}</span>{' '}
            <button type="button" className="primary" disabled={respond.isPending} onClick={() => answer(invite, true)}>
              {t('accept')}
            </button>{' '}
            <button type="button" disabled={respond.isPending} onClick={() => answer(invite, false)}>
              {t('decline')}
            </button>
          </li>
        ))}
      </ul>
      <Alert>{respond.error ? errorText(respond.error) : null}</Alert>
    </>
  );
}
