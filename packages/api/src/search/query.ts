import { AppError } from '../errors';
import { fold } from './fold';

/** Longest query, in UTF-16 units, before trimming. */
export const MAX_QUERY_LENGTH = 256;
/** Most terms in one query: each is one more condition for the engine. */
export const MAX_TERMS = 16;

export interface QueryTerm {
  /** Folded (see fold.ts), never empty. */
  text: string;
  /** Written in double quotes: its words must appear together, in this order. */
  phrase: boolean;
}

export interface ParsedQuery {
  /** Every one of these must appear. At least one. */
  include: QueryTerm[];
  /** None of these may appear. */
  exclude: QueryTerm[];
}

// Emoji (and what joins or modifies them) are not searched for: they act as spaces.
const EMOJI = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u20e3|\u200d|\ufe0e|\ufe0f/gu;
// A term must hold a letter or a digit; "-", "+", "*" or a quote alone are operators, not words.
const HAS_WORD = /[\p{L}\p{N}]/u;
// `-"a phrase"`, `"a phrase"` (an unclosed quote runs to the end), `-word`, `word`.
const TOKEN = /(-?)"([^"]*)"?|(-?)([^\s"]+)/gu;

const bad = (message: string) => new AppError('BAD_INPUT', message);

/**
 * The query language of message and AI conversation search: words (all must appear),
 * "exact phrases", and -excluded words or -"phrases". Chinese, Japanese and Korean need no
 * spaces: a term is matched anywhere inside the text. Throws BAD_INPUT for a query that is
 * empty, too long, or has nothing to look for.
 */
export function parseQuery(raw: string): ParsedQuery {
  if (raw.length > MAX_QUERY_LENGTH) throw bad(`A search may be at most ${MAX_QUERY_LENGTH} characters long`);
  const source = raw.replace(EMOJI, ' ').trim();
  if (raw.trim() === '') throw bad('Type something to search for');
  const include: QueryTerm[] = [];
  const exclude: QueryTerm[] = [];
  const seen = new Set<string>();
  for (const match of source.matchAll(TOKEN)) {
    const phrase = match[2] !== undefined;
    const negated = (phrase ? match[1] : match[3]) === '-';
    const text = fold(phrase ? match[2]! : match[4]!)
      .replace(/\s+/gu, ' ')
      .trim();
    if (!HAS_WORD.test(text)) continue;
    const key = `${negated ? '-' : '+'}${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (negated ? exclude : include).push({ text, phrase: phrase && text.includes(' ') });
  }
  if (include.length + exclude.length > MAX_TERMS) throw bad(`A search may have at most ${MAX_TERMS} words and phrases`);
  if (include.length === 0) {
    throw bad(
      exclude.length > 0
        ? 'Add a word to search for: a search cannot only exclude words'
        : 'The search has no words in it, only operators, punctuation or emoji',
    );
  }
  return { include, exclude };
}

/**
 * The query in the boolean-mode syntax both engines read (Mroonga and InnoDB): every term
 * quoted, so no character of the user's can act as an operator; inside quotes only `"` and
 * `\` are special, and are escaped.
 */
export function booleanModeQuery(query: ParsedQuery): string {
  const quote = (term: QueryTerm) => `"${term.text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
  return [...query.include.map((term) => `+${quote(term)}`), ...query.exclude.map((term) => `-${quote(term)}`)].join(' ');
}
