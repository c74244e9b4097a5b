// Ids of entries in Redis streams (`<ms>-<seq>`), as the user event streams use them.

/** Stream ids `ms-seq` compared as numbers (called for every delivery, so without allocating). */
export function compareStreamIds(a: string, b: string): number {
  const aDash = dashOf(a);
  const bDash = dashOf(b);
  return idPart(a, 0, aDash) - idPart(b, 0, bDash) || idPart(a, aDash + 1, a.length) - idPart(b, bDash + 1, b.length);
}

/** Where the sequence part starts, less one (the end, for an id without one). */
function dashOf(id: string): number {
  const dash = id.indexOf('-');
  return dash < 0 ? id.length : dash;
}

/** The decimal number in `text` from `start` to `end` (0 when empty). */
function idPart(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
}

export const isStreamId = (value: string) => /^\d{1,15}-\d{1,10}$/.test(value);
