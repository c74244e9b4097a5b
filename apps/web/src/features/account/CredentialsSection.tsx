import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import type { Me } from '../../app/session';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { accountMessages } from './messages';

/** Changing the password ends every other session; the form says so before and after. */
export function PasswordSection() {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const change = useMutation(
    trpc.account.changePassword.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.list.queryKey() }),
    }),
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    change.mutate({ currentPassword: formText(form, 'currentPassword'), newPassword: formText(form, 'newPassword') }, { onSuccess: () => formElement.reset() });
  };
  return (
    <section className="account-card" aria-labelledby="password-title">
      <h2 id="password-title">{t('password')}</h2>
      <p className="hint">{t('passwordNote')}</p>
      <form onSubmit={submit}>
        <Alert>{change.error ? errorText(change.error) : null}</Alert>
        <Alert kind="info">
          {change.data ? (change.data.revokedSessions > 0 ? t('passwordChanged', { count: change.data.revokedSessions }) : t('passwordChangedAlone')) : null}
        </Alert>
        <Field label={t('currentPassword')} name="currentPassword" type="password" autoComplete="current-password" required />
        <Field label={t('newPassword')} name="newPassword" type="password" autoComplete="new-password" hint={t('passwordHint')} required minLength={8} />
        <button type="submit" className="primary" disabled={change.isPending}>
          {t('changePassword')}
        </button>
      </form>
    </section>
  );
}

/** A new address is proven with a code sent to it before it replaces the old one. */
export function EmailSection({ user }: { user: Me['user'] }) {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [pending, setPending] = useState<string | null>(null);
  const request = useMutation(trpc.account.changeEmail.mutationOptions());
  const confirm = useMutation(
    trpc.account.confirmEmailChange.mutationOptions({
      onSuccess: (updated) => {
        setPending(null);
        queryClient.setQueryData(trpc.auth.me.queryKey(), (me) => (me ? { ...me, user: updated } : me));
      },
    }),
  );

  const ask = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const newEmail = formText(new FormData(event.currentTarget), 'newEmail').trim();
    confirm.reset();
    request.mutate({ newEmail }, { onSuccess: () => setPending(newEmail) });
  };
  const prove = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    confirm.mutate({ code: formText(new FormData(event.currentTarget), 'code') });
  };

  return (
    <section className="account-card" aria-labelledby="email-title">
      <h2 id="email-title">{t('email')}</h2>
      {user.email ? <p>{t('currentEmail', { email: user.email })}</p> : null}
      <Alert kind="info">{confirm.data?.email ? t('emailChanged', { email: confirm.data.email }) : null}</Alert>
      {pending ? (
        <form onSubmit={prove}>
          <p>{t('codeSentTo', { email: pending })}</p>
          <Alert>{confirm.error ? errorText(confirm.error) : null}</Alert>
          <Field label={t('code')} name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={6} required autoFocus />
          <div className="account-actions">
            <button type="submit" className="primary" disabled={confirm.isPending}>
              {t('confirm')}
            </button>
            <button type="button" onClick={() => setPending(null)}>
              {t('cancel')}
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={ask}>
          <Alert>{request.error ? errorText(request.error) : null}</Alert>
          <Field label={t('newEmail')} name="newEmail" type="email" autoComplete="email" required />
          <button type="submit" disabled={request.isPending}>
            {t('changeEmail')}
          </button>
        </form>
      )}
    </section>
  );
}
