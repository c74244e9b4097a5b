type Presence = 'online' | 'away' | 'offline';

/** A user's picture (or initials) with an optional presence dot. */
export function Avatar({ name, url, presence, size = 36 }: { name: string; url?: string | null; presence?: Presence; size?: number }) {
  const initials = name.slice(0, 2).toUpperCase();
  return (
    <span className="avatar" style={{ width: size, height: size }}>
      {url ? <img src={url} alt="" width={size} height={size} /> : <span aria-hidden="true">{initials}</span>}
      {presence ? <span className={`presence presence-${presence}`} role="img" aria-label={presence} title={presence} /> : null}
    </span>
  );
}
