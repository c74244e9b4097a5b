// Ids of entries in Redis streams (`<ms>-<seq>`), as the user event streams use them.

/** Stream ids `ms-seq` compared as numbers. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

export const isStreamId = (value: string) => /^\d{1,15}-\d{1,10}$/.test(value);
