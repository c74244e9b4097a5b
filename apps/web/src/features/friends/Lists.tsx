import type { PresenceView, RouterOutputs } from '@chorus/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../app/client';
import { navigate } from '../../app/router';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { shortTime } from '../../ui/time';
import { friendsMessages } from './messages';
import { Person } from './SearchPeople';

type Request = RouterOutputs['friends']['requests'][number];
type Related = RouterOutputs['friends']['list'][number];

function useFriendsMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const reload = { onSuccess: () => queryClient.invalidateQueries(trpc.friends.pathFilter()) };
  return {
    respond: useMutation(trpc.friends.respond.mutationOptions(reload)),
    cancel: useMutation(trpc.friends.cancel.mutationOptions(reload)),
    remove: useMutation(trpc.friends.remove.mutationOptions(reload)),
    block: useMutation(trpc.friends.block.mutationOptions(reload)),
    unblock: useMutation(trpc.friends.unblock.mutationOptions(reload)),
    open: useMutation(trpc.chat.openDirect.mutationOptions({ onSuccess: ({ conversationId }) => navigate(`/chat/${conversationId}`) })),
  };
}

export function RequestsSection({ incoming, outgoing }: { incoming: Request[]; outgoing: Request[] }) {
  const t = useT(friendsMessages);
  const errorText = useErrorText();
  const { respond, cancel } = useFriendsMutations();
  const error = respond.error ?? cancel.error;
  return (
    <section className="friends-card" aria-labelledby="friends-incoming">
      <h2 id="friends-incoming">{t('incoming')}</h2>
      <Alert>{error ? errorText(error) : null}</Alert>
      {incoming.length === 0 ? <p className="hint">{t('noIncoming')}</p> : null}
      <ul className="friends-list" aria-labelledby="friends-incoming">
        {incoming.map((request) => (
          <li key={request.id}>
            <Person user={request.user} detail={request.message ?? undefined} />
            <span className="friends-actions">
              <button type="button" className="primary" onClick={() => respond.mutate({ requestId: request.id, accept: true })} disabled={respond.isPending}>
                {t('accept')}
              </button>
              <button type="button" onClick={() => respond.mutate({ requestId: request.id, accept: false })} disabled={respond.isPending}>
                {t('decline')}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {outgoing.length > 0 ? (
        <>
          <h3 id="friends-outgoing">{t('outgoing')}</h3>
          <ul className="friends-list" aria-labelledby="friends-outgoing">
            {outgoing.map((request) => (
              <li key={request.id}>
                <Person user={request.user} />
                <button type="button" onClick={() => cancel.mutate({ requestId: request.id })} disabled={cancel.isPending}>
                  {t('cancel')}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function FriendsSection({ friends, presence }: { friends: Related[]; presence: Map<number, PresenceView> }) {
  const t = useT(friendsMessages);
  const { locale } = useLocale();
  const errorText = useErrorText();
  const { remove, block, open } = useFriendsMutations();
  const error = remove.error ?? block.error ?? open.error;
  const statusText = (userId: number) => {
    const entry = presence.get(userId);
    if (!entry) return undefined;
    if (entry.status === 'offline' && entry.lastSeenAt) return t('lastSeen', { time: shortTime(entry.lastSeenAt, locale) });
    return t(entry.status);
  };
  return (
    <section className="friends-card" aria-labelledby="friends-list">
      <h2 id="friends-list">{t('friends')}</h2>
      <Alert>{error ? errorText(error) : null}</Alert>
      {friends.length === 0 ? <p className="hint">{t('noFriends')}</p> : null}
      <ul className="friends-list" aria-labelledby="friends-list">
        {friends.map(({ user }) => (
          <li key={user.id} aria-label={user.displayName}>
            <Person user={user} presence={presence.get(user.id)?.status ?? 'offline'} detail={statusText(user.id)} />
            <span className="friends-actions">
              <button type="button" className="primary" onClick={() => open.mutate({ userId: user.id })} disabled={open.isPending}>
                {t('message')}
              </button>
              <button
                type="button"
                onClick={() => window.confirm(t('removeConfirm', { name: user.displayName })) && remove.mutate({ userId: user.id })}
                disabled={remove.isPending}
              >
                {t('remove')}
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => window.confirm(t('blockConfirm', { name: user.displayName })) && block.mutate({ userId: user.id })}
                disabled={block.isPending}
              >
                {t('block')}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function BlockedSection({ blocked }: { blocked: Related[] }) {
  const t = useT(friendsMessages);
  const errorText = useErrorText();
  const { unblock } = useFriendsMutations();
  return (
    <section className="friends-card" aria-labelledby="friends-blocked">
      <h2 id="friends-blocked">{t('blocked')}</h2>
      <Alert>{unblock.error ? errorText(unblock.error) : null}</Alert>
      {blocked.length === 0 ? <p className="hint">{t('noBlocked')}</p> : null}
      <ul className="friends-list" aria-labelledby="friends-blocked">
        {blocked.map(({ user }) => (
          <li key={user.id} aria-label={user.displayName}>
            <Person user={user} />
            <button type="button" onClick={() => unblock.mutate({ userId: user.id })} disabled={unblock.isPending}>
              {t('unblock')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
