import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { useSession } from '../../app/session';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import './friends.css';
import { BlockedSection, FriendsSection, RequestsSection } from './Lists';
import { useFriendsLive, usePresence } from './live';
import { friendsMessages } from './messages';
import { SearchPeople, type Relation } from './SearchPeople';

/** presence.get answers at most this many users at once. */
const PRESENCE_BATCH = 500;

/** Find people, answer requests, see friends with their presence, block and unblock. */
export function FriendsScreen() {
  const t = useT(friendsMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const me = useSession();
  useFriendsLive();
  // Always reloaded on opening: a block by the other side is never announced to this user.
  const fresh = { staleTime: 0, refetchOnMount: 'always' as const };
  const friends = useQuery({ ...trpc.friends.list.queryOptions(), ...fresh });
  const incoming = useQuery({ ...trpc.friends.requests.queryOptions({ direction: 'incoming' }), ...fresh });
  const outgoing = useQuery({ ...trpc.friends.requests.queryOptions({ direction: 'outgoing' }), ...fresh });
  const blocked = useQuery({ ...trpc.friends.blocked.queryOptions(), ...fresh });
  const presence = usePresence((friends.data ?? []).slice(0, PRESENCE_BATCH).map((friend) => friend.user.id));
  const error = friends.error ?? incoming.error ?? outgoing.error ?? blocked.error;

  const relationOf = (userId: number): Relation => {
    if (userId === me?.user.id) return 'self';
    if (friends.data?.some((friend) => friend.user.id === userId)) return 'friend';
    if (blocked.data?.some((entry) => entry.user.id === userId)) return 'blocked';
    if (outgoing.data?.some((request) => request.user.id === userId)) return 'requested';
    if (incoming.data?.some((request) => request.user.id === userId)) return 'incoming';
    return 'none';
  };
  const incomingCount = incoming.data?.length ?? 0;

  return (
    <section className="screen friends" aria-labelledby="friends-title">
      <h1 id="friends-title">
        {t('title')}
        {incomingCount > 0 ? (
          <span className="friends-badge" role="status" aria-label={t('incomingBadge', { count: incomingCount })}>
            {incomingCount}
          </span>
        ) : null}
      </h1>
      <Alert>{error ? errorText(error) : null}</Alert>
      <SearchPeople relationOf={relationOf} />
      <RequestsSection incoming={incoming.data ?? []} outgoing={outgoing.data ?? []} />
      <FriendsSection friends={friends.data ?? []} presence={presence} />
      <BlockedSection blocked={blocked.data ?? []} />
    </section>
  );
}
