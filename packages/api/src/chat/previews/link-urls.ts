// The characters RFC 3986 allows, so a link written straight into Chinese or Japanese text ends
// where the text resumes (links with non-ASCII paths are cut there; their ASCII form works).
const CANDIDATE = /\bhttps?:\/\/[\w\-.~:/?#[\]@!$&'()*+,;=%]+/giu;
/** Sentence punctuation after a link belongs to the sentence, not the link. */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', "'", '"', '»', '”', '’', ')', ']', '}', '>']);
const MAX_URL_LENGTH = 2048;

const count = (text: string, char: string) => text.split(char).length - 1;

/** Drops trailing punctuation, except a `)` closing a `(` of the link itself (Wikipedia style). */
function trimLink(raw: string): string {
  let link = raw;
  while (link.length > 0) {
    const last = link.at(-1)!;
    if (!TRAILING.has(last)) return link;
    if (last === ')' && count(link, '(') >= count(link, ')')) return link;
    link = link.slice(0, -1);
  }
  return link;
}

/**
 * The first `limit` distinct http(s) links of a message's text, as absolute URLs without their
 * fragment (a fragment never reaches the server, so two links differing only there are one).
 * Links with credentials are skipped: fetching them would send the sender's secret.
 */
export function linksIn(text: string, limit: number): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    if (found.length >= limit) break;
    const raw = trimLink(match[0]);
    if (raw.length > MAX_URL_LENGTH) continue;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (url.username || url.password || !url.hostname) continue;
    url.hash = '';
    if (!found.includes(url.href)) found.push(url.href);
  }
  return found;
}
