import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { accountMessages } from './messages';

/**
 * Turns the guest into a full account with the same id, chats and friends: email, username and
 * password, then the code emailed to that address (which also signs this browser in anew).
 */
export function GuestUpgrade({ onDone }: { onDone: () => void }) {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [email, setEmail] = useState<string | null>(null);
  const upgrade = useMutation(trpc.auth.upgradeGuest.mutationOptions());
  const resend = useMutation(trpc.auth.resendCode.mutationOptions());
  const verify = useMutation(
    trpc.auth.verifyEmail.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
        onDone();
      },
    }),
  );

  const start = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { email: formText(form, 'email').trim(), username: formText(form, 'username').trim(), password: formText(form, 'password') };
    upgrade.mutate(input, { onSuccess: () => setEmail(input.email) });
  };
  const finish = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (email) verify.mutate({ email, code: formText(new FormData(event.currentTarget), 'code') });
  };

  return (
    <section className="account-card account-upgrade" aria-labelledby="upgrade-title">
      <h2 id="upgrade-title">{t('guestTitle')}</h2>
      {email ? (
        <form onSubmit={finish}>
          <p>{t('guestCodeSent', { email })}</p>
          <Alert>{verify.error || resend.error ? errorText(verify.error ?? resend.error) : null}</Alert>
          <Field label={t('code')} name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={6} required autoFocus />
          <div className="account-actions">
            <button type="submit" className="primary" disabled={verify.isPending}>
              {t('verify')}
            </button>
            <button type="button" onClick={() => resend.mutate({ email, purpose: 'verify_email' })} disabled={resend.isPending}>
              {t('resend')}
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={start}>
          <p>{t('guestIntro')}</p>
          <Alert>{upgrade.error ? errorText(upgrade.error) : null}</Alert>
          <Field label={t('email')} name="email" type="email" autoComplete="email" required />
          <Field label={t('username')} name="username" autoComplete="username" hint={t('usernameHint')} required minLength={3} maxLength={32} />
          <Field label={t('password')} name="password" type="password" autoComplete="new-password" hint={t('passwordHint')} required minLength={8} />
          <button type="submit" className="primary" disabled={upgrade.isPending}>
            {t('createAccount')}
          </button>
        </form>
      )}
    </section>
  );
}
