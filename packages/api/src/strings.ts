import { z } from 'zod';

/**
 * Every string a procedure takes in starts from one of the two schemas below (a test walks the
 * router and fails on any other string). A lone UTF-16 surrogate ("x\uD800y") is not Unicode
 * text: MariaDB's JSON checks refuse it and UTF-8 cannot carry it, so it must stop here.
 *
 * With the `u` flag a well-formed surrogate pair reads as one astral code point, so `\p{Cs}`
 * matches exactly the lone surrogates (what `String.prototype.isWellFormed` looks for).
 */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

const refuseLoneSurrogates = z.refine<string>((value) => !LONE_SURROGATE.test(value), {
  message: 'Contains ill-formed Unicode (a lone surrogate)',
});
const repairLoneSurrogates = z.overwrite((value: string) => value.replace(LONE_SURROGATES, '\uFFFD'));

/** Identifiers, names, keys, queries: ill-formed Unicode is refused with BAD_INPUT. */
export function zString() {
  return z.string().check(refuseLoneSurrogates);
}

/**
 * Free text people write (messages, bios, prompts): a lone surrogate, e.g. from an emoji cut in
 * half by a client, becomes U+FFFD rather than failing the whole message.
 */
export function zText() {
  return z.string().check(repairLoneSurrogates);
}

/** The checks `zString` and `zText` start with, for the test that sweeps every input. */
export const unicodeGuards: ReadonlySet<unknown> = new Set([refuseLoneSurrogates, repairLoneSurrogates]);

/**
 * `text` as one line (white space folded) of at most `max` characters (code points, so an
 * emoji is never split), an ellipsis marking a cut: what a push body and a digest line show.
 */
export function clipLine(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}
