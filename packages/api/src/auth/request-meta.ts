/** Who is calling, as far as the transport knows; used for rate limits and audit rows. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export function ipKey(meta: RequestMeta): string {
  return meta.ip ?? 'unknown';
}
