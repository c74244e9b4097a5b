import superjson, { type SuperJSONResult } from 'superjson';

/**
 * `superjson.serialize`, built in one pass for the data the API returns: plain objects, arrays,
 * strings, finite numbers, booleans, null, undefined and valid Dates, with no object or array
 * reached twice. For such a value the result is the `{ json, meta }` superjson makes: the same
 * JSON and the same annotations (superjson lists integer-like paths such as `2` before `1.0.x`
 * at each level; here they come in the order of the walk), so clients decode it with superjson.
 * Anything else (Map, Set, BigInt, NaN, -0, Error, class instances, shared or circular objects,
 * `__proto__` keys) goes to superjson itself.
 *
 * One difference, on purpose: a Date is a value here. A Date object reached at two paths (an
 * event's `at` and its message's `createdAt` are often one object) is written at both, where
 * superjson adds a referential-equality annotation so that the decoder hands out one shared
 * Date. Decoded, the two are equal Dates either way; nothing in the API relies on identity.
 *
 * superjson's walker copies the path and the ancestors list at every node and records every
 * object's identity: on a history page it was a large share of the call's CPU (decision 0024,
 * `BENCH_FANOUT_CASES=none BENCH_FANOUT_PROFILE=<dir> pnpm bench fanout`).
 * No custom types are registered with superjson in this codebase; one that were would have to
 * be handled here too (the equality test would show it).
 */
export function serialize(value: unknown): SuperJSONResult {
  const walk = new PlainWalk(null);
  const json = walk.visit(value);
  if (walk.bail) return superjson.serialize(value);
  if (walk.rootAnnotation) return { json, meta: { values: [walk.rootAnnotation], v: 1 } } as SuperJSONResult;
  return (walk.values ? { json, meta: { values: walk.values, v: 1 } } : { json }) as SuperJSONResult;
}

/**
 * `serialize(value)` with every annotation's path under `prefix` (`data` for an event inside a
 * tracked item `{ id, data }`), for a plain object or array `value`: null when `serialize` would
 * not give its plain-data form (it falls back to superjson then). Saves moving the annotations
 * afterwards (shared-event.ts).
 */
export function serializeUnder(value: object, prefix: string): SuperJSONResult | null {
  const walk = new PlainWalk(escapeKey(prefix));
  const json = walk.visit(value);
  if (walk.bail || walk.rootAnnotation) return null;
  return (walk.values ? { json, meta: { values: walk.values, v: 1 } } : { json }) as SuperJSONResult;
}

/** `superjson.stringify`, through `serialize`. */
export function stringify(value: unknown): string {
  return JSON.stringify(serialize(value));
}

type Annotation = 'Date' | 'undefined';

/**
 * One walk. The path of a node is kept as the keys leading to it and joined only when a value
 * there is annotated (most paths never are: a snapshot of 50 users has 150 keys, 50 Dates).
 */
class PlainWalk {
  bail = false;
  values: Record<string, [Annotation]> | undefined;
  rootAnnotation: Annotation | undefined;
  private readonly seen = new Set<object>();
  private readonly keys: Array<string | number> = [];

  constructor(private readonly prefix: string | null) {}

  /** The JSON form of `value`, found at the path `keys` names. */
  visit(value: unknown): unknown {
    if (this.bail) return null;
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        // superjson annotates NaN, ±Infinity and -0.
        if (!Number.isFinite(value) || Object.is(value, -0)) this.bail = true;
        return value;
      case 'undefined':
        this.annotate('undefined');
        return null;
      case 'object':
        if (value === null) return null;
        if (value instanceof Date) {
          if (Number.isNaN(value.getTime())) {
            this.bail = true;
            return null;
          }
          this.annotate('Date');
          return isoString(value);
        }
        if (this.seen.has(value)) {
          this.bail = true;
          return null;
        }
        this.seen.add(value);
        if (Array.isArray(value)) return this.visitArray(value);
        return this.visitObject(value);
      default:
        this.bail = true;
        return null;
    }
  }

  private visitArray(array: unknown[]): unknown[] {
    const out = new Array<unknown>(array.length);
    const depth = this.keys.length;
    for (let i = 0; i < array.length; i++) {
      // superjson walks entries: a hole stays a hole (null in JSON) with no annotation.
      if (!(i in array)) {
        this.bail = true;
        return out;
      }
      this.keys[depth] = i;
      out[i] = this.visit(array[i]);
    }
    this.keys.length = depth;
    return out;
  }

  private visitObject(object: object): Record<string, unknown> | null {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      this.bail = true;
      return null;
    }
    const out: Record<string, unknown> = {};
    const depth = this.keys.length;
    for (const key of Object.keys(object)) {
      // superjson refuses these (prototype pollution); let it say so.
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        this.bail = true;
        return null;
      }
      this.keys[depth] = key;
      out[key] = this.visit((object as Record<string, unknown>)[key]);
    }
    this.keys.length = depth;
    return out;
  }

  private annotate(annotation: Annotation): void {
    if (this.keys.length === 0 && this.prefix === null) {
      this.rootAnnotation = annotation;
      return;
    }
    let path = this.prefix;
    for (const key of this.keys) {
      const part = typeof key === 'number' ? String(key) : escapeKey(key);
      path = path === null ? part : `${path}.${part}`;
    }
    (this.values ??= {})[path!] = [annotation];
  }
}

/** The last Date's text: a snapshot's online users are all seen "now", one instant. */
let lastIso = { time: Number.NaN, text: '' };

function isoString(date: Date): string {
  const time = date.getTime();
  if (time !== lastIso.time) lastIso = { time, text: date.toISOString() };
  return lastIso.text;
}

/** superjson's path escaping: backslashes, then dots. */
function escapeKey(key: string): string {
  return key.includes('\\') || key.includes('.') ? key.replace(/\\/g, '\\\\').replace(/\./g, '\\.') : key;
}
