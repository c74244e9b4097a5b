import type { RouterOutputs } from '@chorus/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { useErrorText } from '../../ui/errors';
import { friendsMessages } from './messages';
import { useDebounced } from '../../ui/useDebounced';

type PublicUser = RouterOutputs['users']['search'][number];
export type Relation = 'self' | 'friend' | 'requested' | 'incoming' | 'blocked' | 'none';

/** Finds people by the start of their username or display name and sends friend requests. */
export function SearchPeople({ relationOf }: { relationOf: (userId: number) => Relation }) {
  const t = useT(friendsMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const inputId = useId();
  const [text, setText] = useState('');
  const query = useDebounced(text.trim(), 250);
  const results = useQuery({ ...trpc.users.search.queryOptions({ query, limit: 20 }), enabled: query.length > 0, staleTime: 10_000 });
  const request = useMutation(trpc.friends.request.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.friends.pathFilter()) }));
  const error = results.error ?? request.error;

  return (
    <section className="friends-card">
      <form className="field" role="search" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={inputId}>{t('findPeople')}</label>
        <input id={inputId} type="search" value={text} onChange={(event) => setText(event.target.value)} maxLength={64} aria-describedby={`${inputId}-hint`} />
        <small id={`${inputId}-hint`} className="hint">
          {t('findHint')}
        </small>
      </form>
      <Alert>{error ? errorText(error) : null}</Alert>
      {query && results.isSuccess && results.data.length === 0 ? <p className="hint">{t('noResults')}</p> : null}
      {query && results.data && results.data.length > 0 ? (
        <ul className="friends-list" aria-label={t('results')}>
          {results.data.map((user) => (
            <li key={user.id}>
              <Person user={user} />
              <RelationAction relation={relationOf(user.id)} busy={request.isPending} onAdd={() => request.mutate({ userId: user.id })} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function RelationAction({ relation, busy, onAdd }: { relation: Relation; busy: boolean; onAdd: () => void }) {
  const t = useT(friendsMessages);
  if (relation === 'self') return <span className="hint">{t('you')}</span>;
  if (relation === 'friend') return <span className="hint">{t('isFriend')}</span>;
  if (relation === 'requested') return <span className="hint">{t('requested')}</span>;
  if (relation === 'blocked') return <span className="hint">{t('blocked')}</span>;
  // Asking someone who already asked you accepts their request (the server does that).
  return (
    <button type="button" className="primary" onClick={onAdd} disabled={busy}>
      {relation === 'incoming' ? t('accept') : t('addFriend')}
    </button>
  );
}

/** Avatar, display name and username of someone. */
export function Person({ user, presence, detail }: { user: PublicUser; presence?: 'online' | 'away' | 'offline'; detail?: string }) {
  return (
    <span className="friends-person">
      <Avatar name={user.displayName} url={user.avatarUrl} presence={presence} />
      <span>
        <span className="friends-name">{user.displayName}</span> <span className="hint">@{user.username}</span>
        {detail ? <span className="hint friends-detail">{detail}</span> : null}
      </span>
    </span>
  );
}
