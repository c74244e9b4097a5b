import { useState } from 'react';
import { useSession } from '../../app/session';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import './account.css';
import { EmailSection, PasswordSection } from './CredentialsSection';
import { GuestUpgrade } from './GuestUpgrade';
import { accountMessages } from './messages';
import { ProfileSection } from './ProfileSection';
import { SessionsSection } from './SessionsSection';

/**
 * The signed-in user's own account. Guests see the upgrade form instead of what needs a full
 * account (password, email, sessions): those procedures answer ACCOUNT_REQUIRED to guests.
 */
export function SettingsScreen() {
  const t = useT(accountMessages);
  const me = useSession();
  const [upgraded, setUpgraded] = useState(false);
  if (!me) return null;
  const { user } = me;
  return (
    <section className="screen account" aria-labelledby="account-title">
      <h1 id="account-title">{t('title')}</h1>
      <Alert kind="info">{upgraded && !user.isGuest ? t('upgraded') : null}</Alert>
      {user.isGuest ? <GuestUpgrade onDone={() => setUpgraded(true)} /> : null}
      <ProfileSection user={user} />
      {user.isGuest ? (
        <p className="hint">{t('guestOnlyNote')}</p>
      ) : (
        <>
          <EmailSection user={user} />
          <PasswordSection />
          <SessionsSection />
        </>
      )}
    </section>
  );
}
