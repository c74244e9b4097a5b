import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import { navigate, usePathname } from '../../app/router';
import { useSignedIn } from '../../app/session';
import { useLocale, useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { authMessages } from './messages';
import { ResetPasswordForm } from './ResetPasswordForm';

/** Signed-out screens: sign in (default), sign up with the emailed code, password reset. */
export function AuthScreen() {
  const pathname = usePathname();
  const t = useT(authMessages);
  return (
    <main className="auth">
      <div className="auth-card">
        {pathname === '/signup' ? <SignUpForm /> : pathname === '/reset' ? <ResetPasswordForm /> : <SignInForm />}
        <GuestButton />
        <p className="auth-links">
          {pathname === '/signup' || pathname === '/reset' ? (
            <a href="/signin" onClick={follow('/signin')}>
              {pathname === '/reset' ? t('back') : `${t('haveAccount')} ${t('signIn')}`}
            </a>
          ) : (
            <>
              <a href="/signup" onClick={follow('/signup')}>
                {t('noAccount')} {t('signUp')}
              </a>
              <a href="/reset" onClick={follow('/reset')}>
                {t('forgot')}
              </a>
            </>
          )}
        </p>
      </div>
    </main>
  );
}

function follow(to: string) {
  return (event: { preventDefault(): void }) => {
    event.preventDefault();
    navigate(to);
  };
}

function SignInForm() {
  const t = useT(authMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const signedIn = useSignedIn();
  const login = useMutation(trpc.auth.login.mutationOptions({ onSuccess: signedIn }));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    login.mutate({ login: formText(form, 'login'), password: formText(form, 'password') });
  };
  return (
    <form onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">{t('signInTitle')}</h1>
      <Alert>{login.error ? errorText(login.error) : null}</Alert>
      <Field label={t('login')} name="login" autoComplete="username" required autoFocus />
      <Field label={t('password')} name="password" type="password" autoComplete="current-password" required />
      <button type="submit" className="primary" disabled={login.isPending}>
        {t('signIn')}
      </button>
    </form>
  );
}

function SignUpForm() {
  const t = useT(authMessages);
  const { locale } = useLocale();
  const trpc = useTRPC();
  const errorText = useErrorText();
  const [email, setEmail] = useState<string | null>(null);
  const register = useMutation(trpc.auth.register.mutationOptions());
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { email: formText(form, 'email'), username: formText(form, 'username'), password: formText(form, 'password'), locale };
    register.mutate(input, { onSuccess: () => setEmail(input.email) });
  };
  if (email) return <VerifyForm email={email} />;
  return (
    <form onSubmit={submit} aria-labelledby="signup-title">
      <h1 id="signup-title">{t('signUpTitle')}</h1>
      <Alert>{register.error ? errorText(register.error) : null}</Alert>
      <Field label={t('email')} name="email" type="email" autoComplete="email" required autoFocus />
      <Field label={t('username')} name="username" autoComplete="username" hint={t('usernameHint')} required minLength={3} maxLength={32} />
      <Field label={t('password')} name="password" type="password" autoComplete="new-password" hint={t('passwordHint')} required minLength={8} />
      <button type="submit" className="primary" disabled={register.isPending}>
        {t('signUp')}
      </button>
    </form>
  );
}

/** The emailed code turns the registration into an account and a session (cookie). */
export function VerifyForm({ email }: { email: string }) {
  const t = useT(authMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const signedIn = useSignedIn();
  const verify = useMutation(trpc.auth.verifyEmail.mutationOptions({ onSuccess: signedIn }));
  const resend = useMutation(trpc.auth.resendCode.mutationOptions());
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    verify.mutate({ email, code: formText(new FormData(event.currentTarget), 'code') });
  };
  const error = verify.error ?? resend.error;
  return (
    <form onSubmit={submit} aria-labelledby="verify-title">
      <h1 id="verify-title">{t('verifyTitle')}</h1>
      <p>{t('codeSent', { email })}</p>
      <Alert>{error ? errorText(error) : null}</Alert>
      <Alert kind="info">{resend.isSuccess ? t('resent') : null}</Alert>
      <Field label={t('code')} name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={6} required autoFocus />
      <button type="submit" className="primary" disabled={verify.isPending}>
        {t('verify')}
      </button>
      <button type="button" className="link" disabled={resend.isPending} onClick={() => resend.mutate({ email, purpose: 'verify_email' })}>
        {t('resend')}
      </button>
    </form>
  );
}

function GuestButton() {
  const t = useT(authMessages);
  const { locale } = useLocale();
  const trpc = useTRPC();
  const errorText = useErrorText();
  const signedIn = useSignedIn();
  const guest = useMutation(trpc.auth.guest.mutationOptions({ onSuccess: signedIn }));
  return (
    <div className="guest">
      <Alert>{guest.error ? errorText(guest.error) : null}</Alert>
      <button type="button" disabled={guest.isPending} onClick={() => guest.mutate({ locale })}>
        {t('guest')}
      </button>
    </div>
  );
}
