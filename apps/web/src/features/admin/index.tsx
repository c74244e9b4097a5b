import { useInfiniteQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import './admin.css';
import { adminMessages } from './messages';
import { UserRow } from './UserRow';
import { useDebounced } from '../../ui/useDebounced';

type Status = 'all' | 'banned';

/** Administrators find users and ban or unban them. The route is only mounted for admins. */
export function AdminScreen() {
  const t = useT(adminMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const id = useId();
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Status>('all');
  const query = useDebounced(text.trim(), 250);
  const users = useInfiniteQuery(
    trpc.admin.users.list.infiniteQueryOptions(
      { query: query || undefined, status, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const items = users.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="screen admin" aria-labelledby="admin-title">
      <h1 id="admin-title">{t('title')}</h1>
      <div className="admin-filters" role="search">
        <div className="field">
          <label htmlFor={`${id}-query`}>{t('searchUsers')}</label>
          <input
            id={`${id}-query`}
            type="search"
            value={text}
            maxLength={254}
            onChange={(event) => setText(event.target.value)}
            aria-describedby={`${id}-hint`}
          />
          <small id={`${id}-hint`} className="hint">
            {t('searchHint')}
          </small>
        </div>
        <div className="field">
          <label htmlFor={`${id}-status`}>{t('show')}</label>
          <select id={`${id}-status`} value={status} onChange={(event) => setStatus(event.target.value === 'banned' ? 'banned' : 'all')}>
            <option value="all">{t('all')}</option>
            <option value="banned">{t('bannedOnly')}</option>
          </select>
        </div>
      </div>
      <Alert>{users.error ? errorText(users.error) : null}</Alert>
      <table className="admin-users" aria-label={t('users')}>
        <thead>
          <tr>
            <th scope="col">{t('user')}</th>
            <th scope="col">{t('email')}</th>
            <th scope="col">{t('role')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((user) => (
            <UserRow key={user.id} user={user} />
          ))}
        </tbody>
      </table>
      {users.isSuccess && items.length === 0 ? <p className="hint">{t('none')}</p> : null}
      {users.hasNextPage ? (
        <button type="button" onClick={() => void users.fetchNextPage()} disabled={users.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      ) : null}
    </section>
  );
}
