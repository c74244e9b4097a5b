// patches/@trpc__server@11.25.2.patch: @trpc/server's build copies objects (every middleware
// spreads the call's context) with Object.assign instead of a defineProperty per key, except when
// the source has an own "__proto__" key. These tests run the real tRPC procedure pipeline, in
// both builds of the package (ESM, which the server loads, and CommonJS). patches/README.md
// describes the patch and its measurement.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as esm from '@trpc/server';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const cjs = require('@trpc/server') as typeof esm;
const builds = [
  ['ESM', esm],
  ['CommonJS', cjs],
] as const;

type Ctx = Record<string, unknown>;

/** Runs one query whose middleware passes `nextCtx` on, and answers the context the resolver saw. */
async function contextAfterMiddleware(trpc: typeof esm, initialCtx: Ctx, nextCtx: Ctx): Promise<Ctx> {
  const t = trpc.initTRPC.context<Ctx>().create();
  const router = t.router({
    seen: t.procedure.use(({ next }) => next({ ctx: nextCtx })).query(({ ctx }) => ctx),
  });
  return await t.createCallerFactory(router)(initialCtx).seen();
}

/** An object with an own, enumerable "__proto__" key, as JSON.parse makes one. */
function withOwnProtoKey(value: unknown): Ctx {
  return JSON.parse(`{"__proto__": ${JSON.stringify(value)}, "after": 1}`) as Ctx;
}

describe.each(builds)('@trpc/server patch, %s build', (_name, trpc) => {
  it('copies a middleware context with Object.assign: each key read right after its descriptor, in one pass', async () => {
    const traps: string[] = [];
    const source = new Proxy(
      { a: 1, b: 2 },
      {
        ownKeys: (target) => (traps.push('ownKeys'), Reflect.ownKeys(target)),
        getOwnPropertyDescriptor: (target, key) => (traps.push(`descriptor ${String(key)}`), Reflect.getOwnPropertyDescriptor(target, key)),
        get: (target, key, receiver) => (traps.push(`get ${String(key)}`), Reflect.get(target, key, receiver) as unknown),
      },
    );

    const ctx = await contextAfterMiddleware(trpc, { base: 0 }, source);

    expect(ctx).toEqual({ base: 0, a: 1, b: 2 });
    // Unpatched, Babel's helper lists the keys first (descriptors of a and b, then ownKeys again
    // for symbols) and reads the values after: ownKeys, descriptor a, descriptor b, ownKeys, get a, get b.
    expect(traps).toEqual(['descriptor __proto__', 'ownKeys', 'descriptor a', 'get a', 'descriptor b', 'get b']);
  });

  it('keeps an own "__proto__" key of the context a middleware passes on as a key, not as the prototype', async () => {
    const ctx = await contextAfterMiddleware(trpc, { base: 0 }, withOwnProtoKey({ polluted: true }));

    expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(ctx, '__proto__')).toEqual({ value: { polluted: true }, writable: true, enumerable: true, configurable: true });
    expect(ctx['after']).toBe(1);
    expect(ctx['base']).toBe(0);
    expect((ctx as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('keeps an own "__proto__" key of the initial context through the middleware spread', async () => {
    const ctx = await contextAfterMiddleware(trpc, withOwnProtoKey(null), { added: 2 });

    expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype);
    expect(Object.hasOwn(ctx, '__proto__')).toBe(true);
    expect(ctx['__proto__']).toBeNull();
    expect(ctx).toMatchObject({ after: 1, added: 2 });
  });
});

it("every copy of the spread helper in @trpc/server's build is patched", () => {
  const dist = dirname(require.resolve('@trpc/server'));
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => /\.[cm]?js$/.test(file));
  const definitions = files.filter((file) => readFileSync(join(dist, file), 'utf8').includes('function _objectSpread2('));
  const patched = definitions.filter((file) => readFileSync(join(dist, file), 'utf8').includes('Object.assign(e, t);'));

  expect(definitions.length).toBeGreaterThan(0);
  expect(patched).toEqual(definitions);
});
