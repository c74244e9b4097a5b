import type { RouterOutputs } from '@chorus/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTRPC } from '../../app/client';
import { useChorusEvents } from '../../app/events';
import { Link, navigate } from '../../app/router';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { JoinPanel } from './JoinPanel';
import { roomMessages } from './messages';
import { RoomChat } from './RoomChat';
import { RoomManage } from './RoomManage';
import { RoomMembers } from './RoomMembers';
import { RoomPlayer } from './RoomPlayer';
import { useRoomEvents, type RoomSettings } from './useRoomEvents';

type Role = NonNullable<RouterOutputs['rooms']['get']['myRole']>;

function mayControl(room: RoomSettings, role: Role | null): boolean {
  if (role === 'owner') return true;
  return room.controlPolicy === 'everyone' || (room.controlPolicy === 'admins' && role === 'admin');
}

/** One room: who may see what follows `rooms.get`; members get the live room from `rooms.events`. */
export function RoomView({ roomId, me }: { roomId: number; me: number }) {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const getKey = trpc.rooms.get.queryKey({ roomId });
  // Asked again on every visit: whether we are in the room changes from elsewhere (invitations, approvals).
  const view = useQuery(trpc.rooms.get.queryOptions({ roomId }, { staleTime: 0 }));
  const isMember = view.data?.myStatus === 'member';
  const live = useRoomEvents(roomId, me, isMember);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: getKey });
    void queryClient.invalidateQueries({ queryKey: trpc.rooms.list.pathKey() });
  };
  const leftRoom = () => {
    refresh();
    navigate('/rooms');
  };
  const leave = useMutation(trpc.rooms.leave.mutationOptions({ onSuccess: leftRoom }));
  const dissolve = useMutation(trpc.rooms.dissolve.mutationOptions({ onSuccess: leftRoom }));

  // Applications and their results arrive as notifications: the room's lists change with them.
  useChorusEvents((event) => {
    if (event.type !== 'notification') return;
    const { type, payload } = event.notification;
    if ((type === 'room_application' || type === 'application_result' || type === 'room_invite') && payload.roomId === roomId) {
      void queryClient.invalidateQueries({ queryKey: getKey });
    }
  });
  const ended = live.ended;
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: trpc.rooms.get.queryKey({ roomId }) });
  }, [ended, roomId, queryClient, trpc]);

  if (view.isPending) return <p role="status">{t('loading')}</p>;
  if (view.error) return <Alert>{errorText(view.error)}</Alert>;
  const room = live.room ?? view.data.room;
  const myRole = live.members.find((m) => m.userId === me)?.role ?? view.data.myRole;
  const isManager = myRole === 'owner' || myRole === 'admin';

  return (
    <article className="room" aria-labelledby="room-title">
      <header className="room-header">
        <div>
          <Link to="/rooms">← {t('back')}</Link>
          <h1 id="room-title">{room.name}</h1>
          {room.description ? <p className="hint">{room.description}</p> : null}
        </div>
        {isMember && !ended ? (
          <div className="room-header-actions">
            {myRole === 'owner' ? (
              <button type="button" className="danger" disabled={dissolve.isPending} onClick={() => dissolve.mutate({ roomId })}>
                {t('dissolve')}
              </button>
            ) : (
              <button type="button" disabled={leave.isPending} onClick={() => leave.mutate({ roomId })}>
                {t('leave')}
              </button>
            )}
          </div>
        ) : null}
      </header>
      <Alert>{leave.error ? errorText(leave.error) : dissolve.error ? errorText(dissolve.error) : null}</Alert>
      {ended ? <Alert kind="info">{ended === 'dissolved' ? t('dissolved') : t('removed')}</Alert> : null}
      {!isMember ? (
        <JoinPanel view={view.data} onJoined={refresh} />
      ) : !ended && live.ready ? (
        <div className="room-body">
          <div className="room-main">
            <RoomPlayer
              roomId={roomId}
              playback={live.playback}
              syncEnabled={room.syncEnabled}
              canControl={mayControl(room, myRole)}
              outOfSync={live.outOfSync.length}
            />
            <RoomChat roomId={roomId} members={live.members} live={live.messages} />
          </div>
          <aside className="room-side">
            <RoomMembers roomId={roomId} me={me} myRole={myRole} members={live.members} />
            {isManager ? <RoomManage roomId={roomId} members={live.members} applications={view.data.pendingApplications ?? []} /> : null}
          </aside>
        </div>
      ) : !ended ? (
        <p role="status">{t('loading')}</p>
      ) : null}
    </article>
  );
}
