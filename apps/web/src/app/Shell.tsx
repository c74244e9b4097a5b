import type { ReactNode } from 'react';
import { NotificationsBell } from '../features/notifications';
import { locales, useLocale, useT, type Locale } from '../i18n/i18n';
import { Avatar } from '../ui/Avatar';
import { useConnectionState } from './connection';
import { shellMessages } from './messages';
import { Link, usePathname } from './router';
import { useSignOut, type Me } from './session';

const languageNames: Record<Locale, string> = { en: 'English', zh: '中文' };

/** Navigation, connection banner, language switch and sign-out around every signed-in screen. */
export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const t = useT(shellMessages);
  const { locale, setLocale } = useLocale();
  const signOut = useSignOut();
  const connection = useConnectionState();
  const pathname = usePathname();
  const links = [
    { to: '/', label: t('chats'), active: pathname === '/' || pathname.startsWith('/chat') },
    { to: '/friends', label: t('friends'), active: pathname === '/friends' },
    { to: '/rooms', label: t('rooms'), active: pathname.startsWith('/rooms') },
    { to: '/ai', label: t('ai'), active: pathname.startsWith('/ai') },
    { to: '/settings', label: t('settings'), active: pathname === '/settings' },
    ...(me.user.role === 'admin' ? [{ to: '/admin', label: t('admin'), active: pathname === '/admin' }] : []),
  ];
  return (
    <div className="shell">
      <header className="topbar">
        <nav aria-label={t('nav')}>
          <span className="brand">Chorus</span>
          {links.map((link) => (
            <Link key={link.to} to={link.to} aria-current={link.active ? 'page' : undefined}>
              {link.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-end">
          <NotificationsBell />
          <label className="language">
            <span className="visually-hidden">{t('language')}</span>
            <select value={locale} onChange={(event) => setLocale(event.target.value as Locale)} aria-label={t('language')}>
              {locales.map((code) => (
                <option key={code} value={code}>
                  {languageNames[code]}
                </option>
              ))}
            </select>
          </label>
          <span className="me">
            <Avatar name={me.user.displayName} url={me.user.avatarUrl} size={28} />
            <span>{me.user.displayName}</span>
          </span>
          <button type="button" onClick={() => void signOut()}>
            {t('signOut')}
          </button>
        </div>
      </header>
      {connection === 'reconnecting' ? (
        <div className="banner banner-warning" role="status">
          {t('reconnecting')}
        </div>
      ) : null}
      {me.user.isGuest && pathname !== '/settings' ? (
        <div className="banner banner-info">
          {t('guestBanner')} <Link to="/settings">{t('upgrade')}</Link>
        </div>
      ) : null}
      <div className="content">{children}</div>
    </div>
  );
}
