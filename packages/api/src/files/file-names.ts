const MAX_NAME = 255;

/**
 * The client's file name as we keep it: no folders, no control or bidi-override characters,
 * trimmed, at most 255 characters (whole code points), `file` when nothing is left.
 */
export function sanitizeFileName(raw: string | null | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .replace(/^\.+$/, '');
  const name = [...cleaned].slice(0, MAX_NAME).join('').trim();
  return name || 'file';
}

/**
 * RFC 6266 `Content-Disposition`: an ASCII fallback for old clients plus the exact UTF-8 name
 * in `filename*` (RFC 8187), so quotes, semicolons or newlines in a name can never break out.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
