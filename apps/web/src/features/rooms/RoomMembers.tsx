import { useMutation, useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { useErrorText } from '../../ui/errors';
import { CallButtons } from '../calls';
import { roomMessages } from './messages';
import type { RoomMember } from './useRoomEvents';

type Role = RoomMember['role'];
const order: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** The owner removes anyone else; admins remove members. */
function mayRemove(myRole: Role | null, theirs: Role): boolean {
  return myRole === 'owner' ? theirs !== 'owner' : myRole === 'admin' && theirs === 'member';
}

export function RoomMembers({ roomId, me, myRole, members }: { roomId: number; me: number; myRole: Role | null; members: RoomMember[] }) {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const kick = useMutation(trpc.rooms.kick.mutationOptions());
  // Friends watching along can be called from here (calls are between friends).
  const friends = useQuery(trpc.friends.list.queryOptions());
  const friendIds = new Set((friends.data ?? []).map((friend) => friend.user.id));
  const sorted = [...members].sort((a, b) => order[a.role] - order[b.role] || a.displayName.localeCompare(b.displayName));
  return (
    <section className="room-members" aria-labelledby="room-members-title">
      <h2 id="room-members-title">
        {t('membersTitle')} ({members.length})
      </h2>
      <ul>
        {sorted.map((member) => (
          <li key={member.userId}>
            <Avatar name={member.displayName} url={member.avatarUrl} presence={member.presence} size={28} />
            <span className="member-name">{member.displayName}</span>
            <span className={`role role-${member.role}`}>{t(member.role)}</span>
            {member.userId !== me && friendIds.has(member.userId) ? <CallButtons userId={member.userId} /> : null}
            {member.userId !== me && mayRemove(myRole, member.role) ? (
              <span className="member-actions">
                <button type="button" className="link" disabled={kick.isPending} onClick={() => kick.mutate({ roomId, userId: member.userId })}>
                  {t('kick', { name: member.displayName })}
                </button>
                <button
                  type="button"
                  className="link danger"
                  disabled={kick.isPending}
                  onClick={() => kick.mutate({ roomId, userId: member.userId, ban: true })}
                >
                  {t('ban', { name: member.displayName })}
                </button>
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      <Alert>{kick.error ? errorText(kick.error) : null}</Alert>
    </section>
  );
}
