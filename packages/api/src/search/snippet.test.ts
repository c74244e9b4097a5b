import { describe, expect, it } from 'vitest';
import { parseQuery } from './query';
import { buildSnippet, SNIPPET_LENGTH } from './snippet';

const snippet = (text: string, query: string) => buildSnippet(text, parseQuery(query));
const marked = (text: string, query: string) => {
  const result = snippet(text, query);
  return result.ranges.map((range) => result.text.slice(range.start, range.end));
};

describe('buildSnippet', () => {
  it('marks every occurrence of every term, in UTF-16 offsets of the original text', () => {
    expect(snippet('我们明天去北京开会吧', '北京')).toEqual({ text: '我们明天去北京开会吧', ranges: [{ start: 5, end: 7 }] });
    expect(snippet('🎉 Party, party! 🎉', 'PARTY')).toEqual({
      text: '🎉 Party, party! 🎉',
      ranges: [
        { start: 3, end: 8 },
        { start: 10, end: 15 },
      ],
    });
    expect(marked('東京タワーとラーメン', 'ラーメン 東京')).toEqual(['東京', 'ラーメン']);
  });

  it('is width-insensitive both ways', () => {
    expect(marked('ＦＵＬＬ width', 'full')).toEqual(['ＦＵＬＬ']);
    expect(marked('half width', 'ＨＡＬＦ')).toEqual(['half']);
    expect(marked('ｶﾀｶﾅ', 'カタカナ')).toEqual(['ｶﾀｶﾅ']);
  });

  it('merges overlapping matches and marks phrases whole', () => {
    expect(snippet('new york new', '"new york" york')).toEqual({ text: 'new york new', ranges: [{ start: 0, end: 8 }] });
  });

  it('cuts a long text around the first match without splitting a surrogate pair', () => {
    const text = `${'😀'.repeat(150)} needle ${'x'.repeat(300)}`;
    const result = snippet(text, 'needle');
    expect(result.text.length).toBeLessThanOrEqual(SNIPPET_LENGTH);
    expect(result.text).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/u);
    const [range] = result.ranges;
    expect(result.text.slice(range!.start, range!.end)).toBe('needle');
    expect(range!.start).toBeGreaterThanOrEqual(38);
  });

  it('gives the start of the text and no ranges when a term is not literally there', () => {
    expect(snippet('something else', 'missing')).toEqual({ text: 'something else', ranges: [] });
  });
});
