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
  const walk = new PlainWalk();
  const json = walk.visit(value, null);
  if (walk.bail) return superjson.serialize(value);
  if (walk.rootAnnotation) return { json, meta: { values: [walk.rootAnnotation], v: 1 } } as SuperJSONResult;
  return (walk.values ? { json, meta: { values: walk.values, v: 1 } } : { json }) as SuperJSONResult;
}

/** `superjson.stringify`, through `serialize`. */
export function stringify(value: unknown): string {
  return JSON.stringify(serialize(value));
}

type Annotation = 'Date' | 'undefined';

class PlainWalk {
  bail = false;
  values: Record<string, [Annotation]> | undefined;
  rootAnnotation: Annotation | undefined;
  private readonly seen = new Set<object>();

  /** The JSON form of `value` at `path` (escaped keys joined by dots; null at the root). */
  visit(value: unknown, path: string | null): unknown {
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
        this.annotate(path, 'undefined');
        return null;
      case 'object':
        if (value === null) return null;
        if (value instanceof Date) {
          if (Number.isNaN(value.getTime())) {
            this.bail = true;
            return null;
          }
          this.annotate(path, 'Date');
          return value.toISOString();
        }
        if (this.seen.has(value)) {
          this.bail = true;
          return null;
        }
        this.seen.add(value);
        if (Array.isArray(value)) return this.visitArray(value, path);
        return this.visitObject(value, path);
      default:
        this.bail = true;
        return null;
    }
  }

  private visitArray(array: unknown[], path: string | null): unknown[] {
    const out = new Array<unknown>(array.length);
    const prefix = path === null ? '' : `${path}.`;
    for (let i = 0; i < array.length; i++) {
      // superjson walks entries: a hole stays a hole (null in JSON) with no annotation.
      if (!(i in array)) {
        this.bail = true;
        return out;
      }
      out[i] = this.visit(array[i], prefix + i);
    }
    return out;
  }

  private visitObject(object: object, path: string | null): Record<string, unknown> | null {
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      this.bail = true;
      return null;
    }
    const out: Record<string, unknown> = {};
    const prefix = path === null ? '' : `${path}.`;
    for (const key of Object.keys(object)) {
      // superjson refuses these (prototype pollution); let it say so.
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
        this.bail = true;
        return null;
      }
      out[key] = this.visit((object as Record<string, unknown>)[key], prefix + escapeKey(key));
    }
    return out;
  }

  private annotate(path: string | null, annotation: Annotation): void {
    if (path === null) this.rootAnnotation = annotation;
    else (this.values ??= {})[path] = [annotation];
  }
}

/** superjson's path escaping: backslashes, then dots. */
function escapeKey(key: string): string {
  return key.includes('\\') || key.includes('.') ? key.replace(/\\/g, '\\\\').replace(/\./g, '\\.') : key;
}
