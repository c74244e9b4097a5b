import { Parser } from 'htmlparser2';

export interface PageMeta {
  title: string | null;
  description: string | null;
  siteName: string;
  /** Absolute http(s) URL of the page's image, resolved against the page. */
  imageUrl: string | null;
}

const MAX_TITLE = 300;
const MAX_DESCRIPTION = 1000;
const MAX_SITE_NAME = 200;

/** Whitespace collapsed, trimmed, cut to `max` characters (with an ellipsis); empty → null. */
function clean(value: string | undefined, max: number): string | null {
  const text = value?.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The page's charset: the Content-Type header's, else a byte order mark, else a `<meta charset>`
 * or `<meta http-equiv="content-type">` in the first 1024 bytes (as browsers prescan), else UTF-8.
 */
export function charsetOf(contentType: string, body: Buffer): string {
  const declared = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1];
  if (declared) return declared;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  const head = body.subarray(0, 1024).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ?? 'utf-8';
}

/** The body as text in its charset; an unknown charset label falls back to UTF-8. */
export function decodePage(contentType: string, body: Buffer): string {
  try {
    return new TextDecoder(charsetOf(contentType, body)).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

/**
 * Open Graph, Twitter card and `<title>` metadata of an HTML page, read with htmlparser2 (a
 * real tokenizer: entities decoded, comments and scripts skipped). The first value of each
 * property wins. Title: og:title, else twitter:title, else `<title>`; description likewise with
 * the plain `description` meta last; site name: og:site_name, else the page's host.
 */
export function readPageMeta(html: string, pageUrl: string): PageMeta {
  const meta = new Map<string, string>();
  let title = '';
  let inTitle = false;
  let titleDone = false;
  let svgDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'svg') svgDepth++;
        if (name === 'title' && !titleDone && svgDepth === 0) inTitle = true;
        if (name !== 'meta') return;
        const key = (attributes.property ?? attributes.name ?? '').trim().toLowerCase();
        const content = attributes.content;
        if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
      },
      ontext(text) {
        if (inTitle) title += text;
      },
      onclosetag(name) {
        if (name === 'svg' && svgDepth > 0) svgDepth--;
        if (name === 'title' && inTitle) {
          inTitle = false;
          titleDone = true;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();

  const first = (...keys: string[]) => keys.map((key) => meta.get(key)).find((value) => value?.trim());
  const page = new URL(pageUrl);
  return {
    title: clean(first('og:title', 'twitter:title') ?? title, MAX_TITLE),
    description: clean(first('og:description', 'twitter:description', 'description'), MAX_DESCRIPTION),
    siteName: clean(first('og:site_name'), MAX_SITE_NAME) ?? page.hostname,
    imageUrl: absoluteHttp(first('og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src'), page),
  };
}

function absoluteHttp(value: string | undefined, base: URL): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
