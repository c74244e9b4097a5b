import { describe, expect, it } from 'vitest';
import { charsetOf, decodePage, readPageMeta } from './page-meta';

describe('readPageMeta', () => {
  it('prefers Open Graph, then Twitter, then <title>, trimmed and entity-decoded', () => {
    const html = `<html><head><title>T</title><meta name="twitter:title" content="Tw"><meta property="og:title" content=" A &amp;  B "></head></html>`;
    expect(readPageMeta(html, 'https://example.com/x').title).toBe('A & B');
    expect(readPageMeta('<meta name="twitter:title" content="Tw"><title>T</title>', 'https://example.com/').title).toBe('Tw');
    expect(readPageMeta('<title>\n  Just   this </title>', 'https://example.com/').title).toBe('Just this');
  });

  it('takes descriptions likewise, the site name or host, and resolves the image against the page', () => {
    const meta = readPageMeta(
      '<meta name="description" content="plain"><meta name="twitter:description" content="tw"><meta name="twitter:image" content="../img/a.png">',
      'https://news.example.com/path/page',
    );
    expect(meta).toEqual({ title: null, description: 'tw', siteName: 'news.example.com', imageUrl: 'https://news.example.com/img/a.png' });
    expect(readPageMeta('<meta property="og:image" content="javascript:alert(1)">', 'https://example.com/').imageUrl).toBeNull();
  });

  it('ignores metadata in comments and scripts, and titles of inline SVG', () => {
    const html = '<!-- <meta property="og:title" content="no"> --><script>document.write("<title>no</title>")</script><svg><title>icon</title></svg>';
    expect(readPageMeta(html, 'https://example.com/').title).toBeNull();
  });

  it('cuts very long values', () => {
    const title = readPageMeta(`<title>${'長'.repeat(1000)}</title>`, 'https://example.com/').title!;
    expect([...title]).toHaveLength(300);
    expect(title.endsWith('…')).toBe(true);
  });
});

describe('charsets', () => {
  it('come from the header, a BOM or a <meta> prescan, else UTF-8', () => {
    expect(charsetOf('text/html; charset=Shift_JIS', Buffer.from(''))).toBe('Shift_JIS');
    expect(charsetOf('text/html', Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'))).toBe('euc-kr');
    expect(charsetOf('text/html', Buffer.from('<p>hi</p>'))).toBe('utf-8');
    expect(decodePage('text/html; charset=shift_jis', Buffer.from('82a082a2', 'hex'))).toBe('あい');
    expect(decodePage('text/html; charset=no-such-charset', Buffer.from('ok'))).toBe('ok');
  });
});
