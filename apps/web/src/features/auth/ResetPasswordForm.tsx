import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { authMessages } from './messages';

/** Two steps: ask for a code by email, then set a new password with it. */
export function ResetPasswordForm() {
  const t = useT(authMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const [email, setEmail] = useState<string | null>(null);
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions());

  const ask = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = formText(new FormData(event.currentTarget), 'email');
    request.mutate({ email: value }, { onSuccess: () => setEmail(value) });
  };
  const set = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    reset.mutate({ email: email ?? '', code: formText(form, 'code'), newPassword: formText(form, 'newPassword') });
  };

  if (reset.isSuccess) return <Alert kind="info">{t('resetDone')}</Alert>;
  if (!email) {
    return (
      <form onSubmit={ask} aria-labelledby="reset-title">
        <h1 id="reset-title">{t('resetTitle')}</h1>
        <Alert>{request.error ? errorText(request.error) : null}</Alert>
        <Field label={t('email')} name="email" type="email" autoComplete="email" required autoFocus />
        <button type="submit" className="primary" disabled={request.isPending}>
          {t('sendResetCode')}
        </button>
      </form>
    );
  }
  return (
    <form onSubmit={set} aria-labelledby="reset-title">
      <h1 id="reset-title">{t('resetTitle')}</h1>
      <p>{t('codeSent', { email })}</p>
      <Alert>{reset.error ? errorText(reset.error) : null}</Alert>
      <Field label={t('code')} name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} required autoFocus />
      <Field label={t('newPassword')} name="newPassword" type="password" autoComplete="new-password" minLength={8} required />
      <button type="submit" className="primary" disabled={reset.isPending}>
        {t('setPassword')}
      </button>
    </form>
  );
}
