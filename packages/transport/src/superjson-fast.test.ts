import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serialize, serializeUnder, stringify } from './superjson-fast';

/**
 * The same JSON text (keys in the same order) and the same annotations. Their order may differ:
 * superjson gathers them in objects, where integer-like paths ("2") come first.
 */
function sameAsSuperjson(value: unknown): void {
  const ours = serialize(value);
  const theirs = superjson.serialize(value);
  expect(JSON.stringify(ours.json)).toBe(JSON.stringify(theirs.json));
  expect(ours.meta).toEqual(theirs.meta);
  expect(Object.keys(ours.meta ?? {})).toEqual(Object.keys(theirs.meta ?? {}));
  // What a client decodes from the wire.
  const decoded = (result: unknown) => superjson.parse(JSON.stringify(result));
  expect(decoded(ours)).toStrictEqual(decoded(theirs));
}

const message = (id: number) => ({
  id,
  conversationId: 7,
  senderId: 3,
  clientId: `c-${id}`,
  kind: 'text',
  text: 'hello "world" \\ \u0000 😀',
  attachment: null,
  replyToId: id > 1 ? id - 1 : null,
  mentions: [4, 5],
  reactions: [{ emoji: '👍', userIds: [1, 2] }],
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, id)),
  editedAt: id % 2 ? new Date(Date.UTC(2026, 0, 2)) : null,
  deletedAt: null,
});

/** A deterministic pseudo-random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b.c', 'd\\e', 'x\\.y', '0', '12', 'data', 'createdAt', '', 'ü.ñ'];

function plainValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.round((next() - 0.5) * 1e6) / 100;
    case 3:
      return KEYS[Math.floor(next() * KEYS.length)];
    case 4:
      return new Date(Math.floor(next() * 4e12));
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => plainValue(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [KEYS[Math.floor(next() * KEYS.length)]!, plainValue(next, depth + 1)]));
  }
}

describe('superjson-fast serialize', () => {
  it('gives superjson’s exact result for API data: a page of messages, nested Dates, undefined, escaped keys', () => {
    sameAsSuperjson(Array.from({ length: 50 }, (_, i) => message(i + 1)));
    sameAsSuperjson({ id: '42', data: { type: 'message.created', message: message(1) } });
    sameAsSuperjson({ 'a.b': { 'c\\d': new Date(0), e: [undefined, new Date(1)] }, f: undefined });
    sameAsSuperjson({});
    sameAsSuperjson([]);
    sameAsSuperjson(Object.assign(Object.create(null) as object, { a: new Date(5) }));
  });

  it('gives superjson’s exact result for roots that are not objects', () => {
    for (const value of [null, undefined, 0, 1.5, -7, 'text', true, false, new Date(123)]) sameAsSuperjson(value);
  });

  it('gives superjson’s exact result for 2,000 random plain values', () => {
    const next = random(20261201);
    for (let i = 0; i < 2000; i++) sameAsSuperjson(plainValue(next, 0));
  });

  it('leaves everything else to superjson: Map, Set, BigInt, NaN, -0, Infinity, errors, classes, bad Dates, holes', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const values: unknown[] = [
      { m: new Map([[1, 'a']]) },
      { s: new Set([1]) },
      { n: 10n },
      { n: Number.NaN },
      { n: -0 },
      [Number.POSITIVE_INFINITY],
      { e: new Error('boom') },
      { p: new Point(1) },
      { d: new Date(Number.NaN) },
      { r: /x/g },
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      { u: new URL('https://example.com/') },
    ];
    for (const value of values) sameAsSuperjson(value);
    expect(serialize({ n: 10n }).meta?.values).toEqual({ n: ['bigint'] });
  });

  it("writes a Date reached twice at both places, as a value, without superjson's equality annotation", () => {
    const at = new Date(Date.UTC(2026, 11, 1, 12));
    const event = { type: 'message.created', message: { ...message(1), createdAt: at }, at };
    const ours = serialize(event);
    expect(ours.meta).toEqual({ values: { 'message.createdAt': ['Date'], 'message.editedAt': ['Date'], at: ['Date'] }, v: 1 });
    expect(superjson.serialize(event).meta?.referentialEqualities).toEqual({ at: ['message.createdAt'] });
    expect(JSON.stringify(ours.json)).toBe(JSON.stringify(superjson.serialize(event).json));
    const decoded = superjson.parse<typeof event>(JSON.stringify(ours));
    expect(decoded).toEqual(event);
    expect(decoded.at).toBeInstanceOf(Date);
    expect(decoded.message.createdAt.getTime()).toBe(at.getTime());
  });

  it('leaves shared and circular objects to superjson, which records them', () => {
    const shared = { x: 1 };
    sameAsSuperjson({ a: shared, b: [shared] });
    expect(serialize({ a: shared, b: shared }).meta?.referentialEqualities).toEqual({ a: ['b'] });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    sameAsSuperjson(circular);
  });

  it('serializeUnder gives what superjson makes of the value inside { data }, or null where serialize would fall back', () => {
    const next = random(20261207);
    const values = [
      ...Array.from({ length: 2000 }, () => plainValue(next, 0)),
      message(1),
      { users: [{ at: new Date(7) }, { at: new Date(7) }] },
      { n: 10n },
      new Date(3),
    ];
    let direct = 0;
    for (const value of values) {
      if (value === null || typeof value !== 'object') continue;
      const ours = serializeUnder(value, 'data');
      const theirs = superjson.serialize({ data: value });
      if (!ours) continue;
      direct++;
      expect(JSON.stringify(ours.json)).toBe(JSON.stringify((theirs.json as { data: unknown }).data));
      expect(ours.meta).toEqual(theirs.meta);
    }
    expect(direct).toBeGreaterThan(500);
    const shared = { x: 1 };
    expect([serializeUnder({ n: 10n }, 'data'), serializeUnder({ a: shared, b: shared }, 'data')]).toEqual([null, null]);
  });

  it('refuses a __proto__ key as superjson does', () => {
    const poisoned = JSON.parse('{"__proto__": {"admin": true}}') as unknown;
    expect(() => serialize(poisoned)).toThrow(/prototype pollution/);
  });

  it('round-trips through superjson.parse', () => {
    const value = { when: new Date(Date.UTC(2026, 11, 1)), nothing: undefined, list: [message(3)] };
    expect(superjson.parse(stringify(value))).toEqual(value);
    expect(stringify(value)).toBe(superjson.stringify(value));
    expect(stringify([message(1), message(2)])).toBe(superjson.stringify([message(1), message(2)]));
  });
});
