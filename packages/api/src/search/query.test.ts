import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { booleanModeQuery, parseQuery } from './query';

const badInput = (query: string) => {
  try {
    parseQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_INPUT');
    return (error as AppError).message;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
};

describe('parseQuery', () => {
  it('reads words, phrases and exclusions, folding case and width', () => {
    expect(parseQuery('Hello "Big  World" -Spam -"junk mail" ＦＯＯ')).toEqual({
      include: [
        { text: 'hello', phrase: false },
        { text: 'big world', phrase: true },
        { text: 'foo', phrase: false },
      ],
      exclude: [
        { text: 'spam', phrase: false },
        { text: 'junk mail', phrase: true },
      ],
    });
  });

  it('keeps text without spaces whole and mixed scripts as written', () => {
    expect(parseQuery('我们明天 東京タワー 서울역 Chorus搜索').include.map((term) => term.text)).toEqual(['我们明天', '東京タワー', '서울역', 'chorus搜索']);
  });

  it('drops emoji, duplicate terms and bare operators', () => {
    expect(parseQuery('🎉party👍🏽 party - + * 🇯🇵 "" 1️⃣').include).toEqual([
      { text: 'party', phrase: false },
      { text: '1', phrase: false },
    ]);
  });

  it('reads an unclosed quote to the end', () => {
    expect(parseQuery('"new york').include).toEqual([{ text: 'new york', phrase: true }]);
  });

  it('refuses what has nothing to search for, with a message saying why', () => {
    expect(badInput('')).toMatch(/Type something/);
    expect(badInput(' \t\n ')).toMatch(/Type something/);
    expect(badInput('a'.repeat(257))).toMatch(/at most 256/);
    expect(badInput('- + "" () *')).toMatch(/no words/);
    expect(badInput('😀 🎉')).toMatch(/no words/);
    expect(badInput('-spam -"junk mail"')).toMatch(/cannot only exclude/);
    expect(badInput(Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '))).toMatch(/at most 16/);
    expect(parseQuery('a'.repeat(256)).include).toHaveLength(1);
  });
});

describe('booleanModeQuery', () => {
  it('quotes every term and escapes quotes and backslashes', () => {
    expect(booleanModeQuery(parseQuery('c++ -"a(b)" back\\slash'))).toBe('+"c++" +"back\\\\slash" -"a(b)"');
    expect(booleanModeQuery(parseQuery('say"hi'))).toBe('+"say" +"hi"');
    expect(booleanModeQuery(parseQuery('*D+ OR'))).toBe('+"*d+" +"or"');
  });
});
