import { describe, expect, it } from 'vitest';
import { parseSuggestions } from './suggest.service';
import { cleanTitle } from './titles.service';

describe('cleanTitle', () => {
  it('strips quotes, prefixes, trailing punctuation and extra lines', () => {
    expect(cleanTitle('"Planning a trip to Kyoto."')).toBe('Planning a trip to Kyoto');
    expect(cleanTitle('Title: Rust lifetimes\nmore text')).toBe('Rust lifetimes');
    expect(cleanTitle('「京都旅行の計画」。')).toBe('京都旅行の計画');
    expect(cleanTitle('标题：周末计划')).toBe('周末计划');
    expect(cleanTitle('x'.repeat(300))).toHaveLength(80);
    expect(cleanTitle('   ')).toBe('');
  });
});

describe('parseSuggestions', () => {
  it('reads a JSON array, even wrapped in prose or a code fence', () => {
    expect(parseSuggestions('["Sure!", "Maybe later", "Why?"]')).toEqual(['Sure!', 'Maybe later', 'Why?']);
    expect(parseSuggestions('Here you go:\n```json\n["a", "b", "c", "d"]\n```')).toEqual(['a', 'b', 'c']);
  });

  it('falls back to one suggestion per line without list markers', () => {
    expect(parseSuggestions('1. Sounds good\n- "On my way"\n* Call me\n')).toEqual(['Sounds good', 'On my way', 'Call me']);
  });

  it('drops non-strings and empties', () => {
    expect(parseSuggestions('[1, "", "ok", null]')).toEqual(['ok']);
  });
});
