/**
 * The one text normalisation of search: each code point to NFKC (full-width Latin and digits to
 * ASCII, half-width katakana to full-width), then lower case. The index stores folded text and
 * queries are folded the same way, so case and width never decide a match; snippets fold the
 * message's current text again to find where the terms are.
 *
 * Folded per code point (not per string) so that every folded unit maps back to the original
 * code point it came from: `starts[i]` and `ends[i]` are the UTF-16 offsets in the original of
 * the code point that produced folded unit `i`.
 */
export interface Folded {
  text: string;
  starts: number[];
  ends: number[];
}

export function foldWithOffsets(original: string): Folded {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const char of original) {
    const folded = char.normalize('NFKC').toLowerCase();
    for (let unit = 0; unit < folded.length; unit++) {
      starts.push(offset);
      ends.push(offset + char.length);
    }
    text += folded;
    offset += char.length;
  }
  return { text, starts, ends };
}

/** The folded text alone (what the index stores, what a query term becomes). */
export function fold(original: string): string {
  let text = '';
  for (const char of original) text += char.normalize('NFKC').toLowerCase();
  return text;
}
