import { fileTypeFromBuffer } from 'file-type';

/** Bytes read from the start of a file to tell its type (file-type needs about 4 KiB). */
export const SNIFF_BYTES = 64 * 1024;

/** Images we read dimensions of and make thumbnails for. */
export const THUMBNAIL_SOURCE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HTML_MARKERS = /<(!doctype\s+html|html|head|body|script|iframe|object|embed|meta|style|link)[\s>/]/i;

/**
 * The type of a file from its first bytes, never from the client's claim: file-type's magic
 * numbers first; then markup a browser would render (SVG, HTML), which file-type does not
 * report; then UTF-8 text; otherwise opaque bytes. `complete` says the head is the whole file.
 */
export async function sniffMimeType(head: Buffer, complete: boolean): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  const text = detected && !isMarkupType(detected.mime) ? null : decodeText(head, complete);
  if (text !== null) {
    const start = text.slice(0, 4096);
    if (/<svg[\s>]/i.test(start)) return 'image/svg+xml';
    if (HTML_MARKERS.test(start)) return 'text/html';
    if (detected) return detected.mime;
    if (start.startsWith('#!')) return 'application/x-sh';
    return 'text/plain';
  }
  return detected?.mime ?? 'application/octet-stream';
}

function isMarkupType(mime: string): boolean {
  return mime === 'application/xml' || mime === 'text/xml' || mime === 'image/svg+xml' || mime === 'text/html';
}

/** The head as text when it is valid UTF-8 without control bytes (a cut last character is allowed). */
function decodeText(head: Buffer, complete: boolean): string | null {
  const bytes = head.subarray(head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0);
  for (let trim = 0; trim <= (complete ? 0 : 3); trim++) {
    try {
      const text = utf8.decode(bytes.subarray(0, bytes.length - trim));
      // NUL and most C0 controls never occur in text files; tabs, newlines, form feeds and ESC do.
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      return /[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/.test(text) ? null : text;
    } catch {
      if (bytes.length - trim <= 0) return null;
    }
  }
  return null;
}

/** Types a browser may execute or render as a document: never served inline, never with their type. */
const DANGEROUS = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'application/xml',
  'text/xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/wasm',
  'application/x-msdownload',
  'application/x-dosexec',
  'application/vnd.microsoft.portable-executable',
  'application/x-executable',
  'application/x-elf',
  'application/x-mach-binary',
  'application/x-sharedlib',
  'application/x-sh',
  'application/x-msi',
  'application/java-archive',
  'application/x-apple-diskimage',
  'application/vnd.android.package-archive',
  'application/x-shockwave-flash',
]);

/** Shown inline by browsers without running code (with nosniff and a sandboxing CSP on top). */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/[\w.+-]+|audio\/[\w.+-]+|text\/plain)$/;

/** How a download is labelled: dangerous types become opaque attachments, safe media stays inline. */
export function servingOf(mimeType: string): { contentType: string; inline: boolean } {
  if (DANGEROUS.has(mimeType) || mimeType.endsWith('+xml')) return { contentType: 'application/octet-stream', inline: false };
  if (INLINE.test(mimeType)) return { contentType: mimeType === 'text/plain' ? 'text/plain; charset=utf-8' : mimeType, inline: true };
  return { contentType: mimeType, inline: false };
}

/** Attachments are saved, never rendered: nothing at all may load, and the document is sandboxed. */
const ATTACHMENT_POLICY = "default-src 'none'; sandbox";
/**
 * An image or text opened on its own: the browser's viewer page styles it inline; sandboxed,
 * so it runs in an opaque origin with no script, never in ours.
 */
const DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";
/**
 * Video and audio opened on their own: Chromium's viewer page is a `<video crossorigin>` that
 * fetches the file again, which `media-src` must allow and which a sandbox (an opaque `null`
 * origin, refused by CORS) would break. No sandbox is safe here: the type is sniffed from the
 * bytes, sent with nosniff, never markup, and no script may load.
 */
const MEDIA_POLICY = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** The Content-Security-Policy of a download, from what `servingOf` made of it. */
export function downloadPolicy(serving: { contentType: string; inline: boolean }): string {
  if (!serving.inline) return ATTACHMENT_POLICY;
  return /^(video|audio)\//.test(serving.contentType) ? MEDIA_POLICY : DOCUMENT_POLICY;
}
