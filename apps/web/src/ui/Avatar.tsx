import { defineMessages, useT } from '../i18n/i18n';

type Presence = 'online' | 'away' | 'offline';

const messages = defineMessages({ en: { online: 'online', away: 'away', offline: 'offline' }, zh: { online: '在线', away: '离开', offline: '离线' } });

/** A user's picture (or initials) with an optional presence dot. */
export function Avatar({ name, url, presence, size = 36 }: { name: string; url?: string | null; presence?: Presence; size?: number }) {
  const t = useT(messages);
  const initials = name.slice(0, 2).toUpperCase();
  return (
    <span className="avatar" style={{ width: size, height: size }}>
      {url ? <img src={url} alt="" width={size} height={size} /> : <span aria-hidden="true">{initials}</span>}
      {presence ? <span className={`presence presence-${presence}`} role="img" aria-label={t(presence)} title={t(presence)} /> : null}
    </span>
  );
}
