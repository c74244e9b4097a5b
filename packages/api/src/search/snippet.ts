import { fold, foldWithOffsets } from './fold';
import type { ParsedQuery } from './query';

export interface Snippet {
  text: string;
  /** UTF-16 offsets into `text`, sorted, never overlapping. */
  ranges: Array<{ start: number; end: number }>;
}

/** Characters of context kept before the first match. */
const LEAD = 40;
/** Longest snippet, in UTF-16 units (never cutting a surrogate pair). */
export const SNIPPET_LENGTH = 200;

/**
 * Where the query's terms occur in `text` (the message's current text), found case- and
 * width-insensitively on the folded text and mapped back to offsets in the original: a
 * window of `text` around the first occurrence, and every occurrence inside it.
 */
export function buildSnippet(text: string, query: ParsedQuery): Snippet {
  const folded = foldWithOffsets(text);
  const found: Array<{ start: number; end: number }> = [];
  for (const term of query.include) {
    let at = folded.text.indexOf(term.text);
    while (at !== -1) {
      found.push({ start: folded.starts[at]!, end: folded.ends[at + term.text.length - 1]! });
      at = folded.text.indexOf(term.text, at + term.text.length);
    }
  }
  const merged = mergeRanges(found);
  const first = merged[0]?.start ?? 0;
  let start = text.length <= SNIPPET_LENGTH ? 0 : Math.max(0, Math.min(first - LEAD, text.length - SNIPPET_LENGTH));
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  if (isLowSurrogate(text, start)) start++;
  if (isLowSurrogate(text, end)) end--;
  const ranges = merged.filter((range) => range.start >= start && range.end <= end).map((range) => ({ start: range.start - start, end: range.end - start }));
  return { text: text.slice(start, end), ranges };
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return index > 0 && index < text.length && code >= 0xdc00 && code <= 0xdfff;
}

function mergeRanges(ranges: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/** Whether `text` holds every included term and no excluded one, folded (a check of a title against a possibly stale index row). */
export function matchesLiterally(text: string, query: ParsedQuery): boolean {
  const folded = fold(text);
  return query.include.every((term) => folded.includes(term.text)) && !query.exclude.some((term) => folded.includes(term.text));
}
