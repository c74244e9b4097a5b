// Ids of entries in Redis streams (`<ms>-<seq>`), as the user event streams use them.

/** Stream ids `ms-seq` compared as numbers (called for every delivery, so without allocating). */
export function compareStreamIds(a: string, b: string): number {
  const aDash = dashOf(a);
  const bDash = dashOf(b);
  return decimalAt(a, 0, aDash) - decimalAt(b, 0, bDash) || seqOf(a, aDash) - seqOf(b, bDash);
}

/** Where the sequence part starts, less one (the end, for an id without one). */
function dashOf(id: string): number {
  const dash = id.indexOf('-');
  return dash < 0 ? id.length : dash;
}

/** The sequence part after `dash`; an id without one has sequence 0. */
const seqOf = (id: string, dash: number) => (dash >= id.length - 1 ? 0 : decimalAt(id, dash + 1, id.length));

/** The unsigned decimal in `text` from `start` to `end`, read in place (NaN if empty or anything else is there). */
export function decimalAt(text: string, start: number, end: number): number {
  if (end <= start) return Number.NaN;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

export const isStreamId = (value: string) => /^\d{1,15}-\d{1,10}$/.test(value);
