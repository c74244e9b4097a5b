import type { RouterOutputs } from '@chorus/client';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../app/client';
import { useSignOut } from '../../app/session';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { accountMessages } from './messages';

type SessionInfo = RouterOutputs['auth']['sessions']['list'][number];

/** Where the user is signed in; any other session can be ended from here. */
export function SessionsSection() {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const signOut = useSignOut();
  const sessions = useQuery({ ...trpc.auth.sessions.list.queryOptions(), staleTime: 0 });
  const revoke = useMutation(
    trpc.auth.sessions.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.list.queryKey() }),
    }),
  );
  const logoutAll = useMutation(
    trpc.auth.logoutAll.mutationOptions({
      // This session ended too: the local sign-out's own logout call then fails, which is fine.
      onSuccess: () => signOut().catch(() => undefined),
    }),
  );
  const everywhere = () => {
    if (window.confirm(t('signOutEverywhereConfirm'))) logoutAll.mutate();
  };
  const error = sessions.error ?? revoke.error ?? logoutAll.error;

  return (
    <section className="account-card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('sessions')}</h2>
      <Alert>{error ? errorText(error) : null}</Alert>
      <ul className="account-sessions" aria-labelledby="sessions-title">
        {(sessions.data ?? []).map((session) => (
          <SessionItem key={session.id} session={session} onRevoke={() => revoke.mutate({ sessionId: session.id })} busy={revoke.isPending} />
        ))}
      </ul>
      <button type="button" className="danger" onClick={everywhere} disabled={logoutAll.isPending}>
        {t('signOutEverywhere')}
      </button>
      <LoginHistory />
    </section>
  );
}

function SessionItem({ session, onRevoke, busy }: { session: SessionInfo; onRevoke: () => void; busy: boolean }) {
  const t = useT(accountMessages);
  const { locale } = useLocale();
  const when = (date: Date) => date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <li aria-current={session.current ? 'true' : undefined}>
      <div>
        <strong>{describeAgent(session.userAgent) ?? t('unknownDevice')}</strong>
        {session.current ? <span className="account-badge">{t('thisDevice')}</span> : null}
        <div className="hint">
          {session.ip ? `${session.ip} · ` : ''}
          {t('signedInAt', { time: when(session.createdAt) })} · {t('lastActive', { time: when(session.lastSeenAt) })}
        </div>
      </div>
      {session.current ? null : (
        <button type="button" onClick={onRevoke} disabled={busy}>
          {t('revoke')}
        </button>
      )}
    </li>
  );
}

/** "Chrome on Linux" from a user agent string; good enough to tell devices apart. */
function describeAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} · ${os}`;
  return browser ?? os ?? userAgent.slice(0, 60);
}

/** Recent sign-in attempts, loaded only when asked for. */
function LoginHistory() {
  const t = useT(accountMessages);
  const [open, setOpen] = useState(false);
  return (
    <details className="account-history" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{t('showHistory')}</summary>
      {open ? <LoginHistoryList /> : null}
    </details>
  );
}

function LoginHistoryList() {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const { locale } = useLocale();
  const errorText = useErrorText();
  const history = useInfiniteQuery(trpc.account.loginHistory.infiniteQueryOptions({ limit: 20 }, { getNextPageParam: (page) => page.nextCursor ?? undefined }));
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <Alert>{history.error ? errorText(history.error) : null}</Alert>
      {history.isSuccess && items.length === 0 ? <p className="hint">{t('noHistory')}</p> : null}
      <ul aria-label={t('history')}>
        {items.map((item) => (
          <li key={item.id}>
            <span className={item.success ? 'account-ok' : 'account-failed'}>{item.success ? t('succeeded') : t('failed', { reason: item.reason })}</span>{' '}
            {item.createdAt.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })} · {describeAgent(item.userAgent) ?? t('unknownDevice')}
            {item.ip ? ` · ${item.ip}` : ''}
          </li>
        ))}
      </ul>
      {history.hasNextPage ? (
        <button type="button" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          {t('loadMore')}
        </button>
      ) : null}
    </>
  );
}
