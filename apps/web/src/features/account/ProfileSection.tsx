import type { RouterInputs } from '@chorus/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { useTRPC } from '../../app/client';
import type { Me } from '../../app/session';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { formText } from '../../ui/forms';
import { AvatarUpload } from './AvatarUpload';
import { accountMessages } from './messages';

type ProfileChanges = RouterInputs['account']['update'];

/** Display name, username, bio, email language and picture. Guests may edit these too. */
export function ProfileSection({ user }: { user: Me['user'] }) {
  const t = useT(accountMessages);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const bioId = useId();
  const update = useMutation(
    trpc.account.update.mutationOptions({
      onSuccess: (updated) => queryClient.setQueryData(trpc.auth.me.queryKey(), (me) => (me ? { ...me, user: updated } : me)),
    }),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = {
      displayName: formText(form, 'displayName').trim(),
      username: formText(form, 'username').trim(),
      bio: formText(form, 'bio').trim(),
      locale: formText(form, 'locale') === 'zh' ? ('zh' as const) : ('en' as const),
    };
    // Only what changed: an unchanged username must not be checked against itself.
    const changes: ProfileChanges = {};
    if (next.displayName !== user.displayName) changes.displayName = next.displayName;
    if (next.username !== user.username) changes.username = next.username;
    if (next.bio !== user.bio) changes.bio = next.bio;
    if (next.locale !== user.locale) changes.locale = next.locale;
    if (Object.keys(changes).length === 0) return;
    update.mutate(changes);
  };

  return (
    <section className="account-card" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('profile')}</h2>
      <AvatarUpload user={user} />
      {/* Keyed by the saved values: when they change (saved here, or elsewhere) the fields show them. */}
      <form onSubmit={submit} key={[user.id, user.username, user.displayName, user.bio, user.locale].join('\n')}>
        <Alert>{update.error ? errorText(update.error) : null}</Alert>
        <Alert kind="info">{update.isSuccess && !update.isPending ? t('saved') : null}</Alert>
        <Field label={t('displayName')} name="displayName" defaultValue={user.displayName} required maxLength={64} />
        <Field label={t('username')} name="username" defaultValue={user.username} hint={t('usernameHint')} required minLength={3} maxLength={32} />
        <div className="field">
          <label htmlFor={bioId}>{t('bio')}</label>
          <textarea id={bioId} name="bio" defaultValue={user.bio} maxLength={500} rows={3} />
        </div>
        <div className="field">
          <label htmlFor={`${bioId}-locale`}>{t('locale')}</label>
          <select id={`${bioId}-locale`} name="locale" defaultValue={user.locale === 'zh' ? 'zh' : 'en'}>
            <option value="en">English</option>
            <option value="zh">中文</option>
          </select>
        </div>
        <button type="submit" className="primary" disabled={update.isPending}>
          {t('save')}
        </button>
      </form>
    </section>
  );
}
