import { describe, expect, it } from 'vitest';
import { linksIn } from './link-urls';

describe('linksIn', () => {
  it('finds http(s) links, drops sentence punctuation and fragments, keeps balanced parentheses', () => {
    expect(linksIn('see https://example.com/a, and (http://example.org/b). https://en.wikipedia.org/wiki/Foo_(bar)!', 5)).toEqual([
      'https://example.com/a',
      'http://example.org/b',
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
    expect(linksIn('https://example.com/page#section and https://example.com/page#other', 5)).toEqual(['https://example.com/page']);
  });

  it('ends a link where Chinese or Japanese text resumes', () => {
    expect(linksIn('看这个https://example.com/news页面。', 3)).toEqual(['https://example.com/news']);
  });

  it('skips other schemes and links with credentials, and stops at the limit', () => {
    expect(linksIn('ftp://example.com javascript:alert(1) https://user:secret@example.com/ https://a.example/ https://b.example/', 1)).toEqual([
      'https://a.example/',
    ]);
  });
});
