import type { RouterOutputs } from '@chorus/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { adminMessages } from './messages';

type AdminUser = RouterOutputs['admin']['users']['list']['items'][number];

/** One user with ban (asking for a reason, which the user is mailed) or unban. */
export function UserRow({ user }: { user: AdminUser }) {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [banning, setBanning] = useState(false);
  const reload = () => queryClient.invalidateQueries(trpc.admin.users.pathFilter());
  const ban = useMutation(
    trpc.admin.users.ban.mutationOptions({
      onSuccess: () => {
        setBanning(false);
        return reload();
      },
    }),
  );
  const unban = useMutation(trpc.admin.users.unban.mutationOptions({ onSuccess: reload }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    ban.mutate({ userId: user.id, reason: formText(new FormData(event.currentTarget), 'reason').trim() });
  };
  const error = ban.error ?? unban.error;

  return (
    <tr aria-label={user.displayName}>
      <td>
        <strong>{user.displayName}</strong> <span className="hint">@{user.username}</span>
        <div className="hint">{t('joined', { date: user.createdAt.toLocaleDateString(locale) })}</div>
      </td>
      <td>{user.email ?? '—'}</td>
      <td>{user.role === 'admin' ? t('admin') : user.isGuest ? t('guest') : t('member')}</td>
      <td>
        {user.bannedAt ? (
          <span className="admin-banned">{t('banned', { reason: user.banReason ?? '' })}</span>
        ) : user.emailVerified || user.isGuest ? (
          t('active')
        ) : (
          t('unverified')
        )}
      </td>
      <td>
        <Alert>{error ? errorText(error) : null}</Alert>
        {user.bannedAt ? (
          <button type="button" onClick={() => unban.mutate({ userId: user.id })} disabled={unban.isPending}>
            {t('unban')}
          </button>
        ) : user.role === 'admin' ? null : banning ? (
          <form className="admin-ban" onSubmit={submit} aria-label={t('banTitle', { name: user.displayName })}>
            <p className="hint">{t('banNote', { name: user.displayName })}</p>
            <Field label={t('reason')} name="reason" required maxLength={500} autoFocus />
            <span className="admin-actions">
              <button type="submit" className="danger" disabled={ban.isPending}>
                {t('confirmBan')}
              </button>
              <button type="button" onClick={() => setBanning(false)}>
                {t('cancel')}
              </button>
            </span>
          </form>
        ) : (
          <button type="button" className="danger" onClick={() => setBanning(true)}>
            {t('ban')}
          </button>
        )}
      </td>
    </tr>
  );
}
