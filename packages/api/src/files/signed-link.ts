import { createHmac, timingSafeEqual } from 'node:crypto';

export const FILES_PATH = '/files';
/** Derived images: a thumbnail of any image, and the standard sizes of an avatar. */
export const FILE_VARIANTS = ['thumbnail', 'avatar-64', 'avatar-128', 'avatar-256'] as const;
export type FileVariant = (typeof FILE_VARIANTS)[number];
export const isFileVariant = (value: string): value is FileVariant => (FILE_VARIANTS as readonly string[]).includes(value);
/** Anyone may fetch an avatar's sizes; the uploaded original stays private. */
export const isAvatarVariant = (variant: FileVariant | null): boolean => variant !== null && variant.startsWith('avatar-');

function signature(key: Buffer, fileId: string, variant: FileVariant | null, expiresAtSeconds: number): string {
  return createHmac('sha256', key)
    .update(`chorus-file-link\n${fileId}\n${variant ?? ''}\n${expiresAtSeconds}`)
    .digest('base64url');
}

/** The download path of a file or its variant: `/files/:id` or `/files/:id/thumbnail`. */
export function downloadPath(fileId: string, variant: FileVariant | null): string {
  return `${FILES_PATH}/${fileId}${variant ? `/${variant}` : ''}`;
}

/** A URL that downloads without headers until `expiresAt` (for players that cannot send them). */
export function signedDownloadPath(key: Buffer, fileId: string, variant: FileVariant | null, expiresAt: Date): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${downloadPath(fileId, variant)}?exp=${exp}&sig=${signature(key, fileId, variant, exp)}`;
}

/** True when `exp`/`sig` from a query string sign this file and variant and have not expired. */
export function verifySignedLink(key: Buffer, fileId: string, variant: FileVariant | null, query: URLSearchParams, now: Date): boolean {
  const expText = query.get('exp');
  const sig = query.get('sig');
  if (!expText || !sig || !/^\d{1,12}$/.test(expText)) return false;
  const exp = Number(expText);
  if (exp * 1000 <= now.getTime()) return false;
  const expected = Buffer.from(signature(key, fileId, variant, exp));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
