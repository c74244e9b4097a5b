import type { ByteRange } from './storage';

export type RangeRequest = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * One `Range: bytes=…` of a resource of `size` bytes (RFC 9110 §14): `a-b`, `a-`, `-n`.
 * Anything else (other units, several ranges, bad syntax) is ignored and the whole file sent,
 * which the RFC allows; a range starting past the end is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'full' };
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const first = match[1] === '' ? null : Number(match[1]);
  const last = match[2] === '' ? null : Number(match[2]);
  if (first === null) {
    // A suffix: the last n bytes.
    if (last === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - last!), end: size - 1 } };
  }
  if (last !== null && last < first) return { kind: 'full' };
  if (first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start: first, end: Math.min(last ?? size - 1, size - 1) } };
}

/** True when `If-None-Match` lists this (strong or weak-compared) ETag, or `*`. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}

/** `If-Range`: a range is honoured only while the client's copy is this one (strong comparison, ETags only). */
export function ifRangeAllows(header: string | undefined, etag: string): boolean {
  return header === undefined || header.trim() === etag;
}
