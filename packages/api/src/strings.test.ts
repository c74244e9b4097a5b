import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appRouter } from './root';
import { unicodeGuards, zString, zText } from './strings';

const ILL_FORMED = 'x\uD800y';
const LONE_SURROGATE = /\p{Cs}/u;

interface Leaf {
  path: string;
  schema: z.ZodType;
}

type Def = z.core.$ZodTypeDef & Record<string, unknown>;
type Schema = z.core.$ZodType;

const defOf = (schema: Schema) => schema._zod.def as Def;

/**
 * Every place in an input schema where a client's string can arrive: string schemas (with
 * formats such as email), and `custom` schemas, which cannot be looked into. Throws on a kind it
 * does not know, so a new kind of input cannot slip past the sweep unseen.
 */
function stringLeaves(schema: Schema, path: string, out: Leaf[] = [], seen = new Set<Schema>()): Leaf[] {
  if (seen.has(schema)) return out;
  seen.add(schema);
  const def = defOf(schema);
  const walk = (inner: unknown, at: string) => stringLeaves(inner as Schema, at, out, seen);
  switch (def.type) {
    case 'string':
    case 'custom':
      out.push({ path, schema: schema as z.ZodType });
      break;
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, Schema>)) walk(value, `${path}.${key}`);
      if (def.catchall) walk(def.catchall, `${path}.*`);
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      walk(def.innerType, path);
      break;
    case 'array':
      walk(def.element, `${path}[]`);
      break;
    case 'union': // discriminated unions too
      (def.options as Schema[]).forEach((option, index) => walk(option, `${path}|${index}`));
      break;
    case 'intersection':
      walk(def.left, path);
      walk(def.right, path);
      break;
    case 'tuple':
      (def.items as Schema[]).forEach((item, index) => walk(item, `${path}[${index}]`));
      if (def.rest) walk(def.rest, `${path}[...]`);
      break;
    case 'record':
      walk(def.keyType, `${path}{key}`);
      walk(def.valueType, `${path}{value}`);
      break;
    case 'lazy':
      walk((def.getter as () => Schema)(), path);
      break;
    case 'pipe':
      walk(def.in, path);
      // What a string schema hands on was checked there (e.g. `.pipe(z.email())`); any other
      // input (a transform, a preprocess) may produce a fresh string, so look at its output too.
      if (defOf(def.in as Schema).type !== 'string') walk(def.out, path);
      break;
    case 'number':
    case 'int':
    case 'bigint':
    case 'boolean':
    case 'date':
    case 'enum':
    case 'literal':
    case 'null':
    case 'undefined':
    case 'transform':
      break;
    default:
      throw new Error(`${path}: no rule for a ${def.type} input; teach stringLeaves (and the Unicode guard) about it`);
  }
  return out;
}

/** Why a string leaf could let ill-formed Unicode through, or null when it cannot. */
function unguarded(leaf: Leaf): string | null {
  const def = defOf(leaf.schema);
  if (def.type === 'string' && !(def.checks ?? []).some((check) => unicodeGuards.has(check))) {
    return `${leaf.path}: a string not built on zString() or zText() (strings.ts)`;
  }
  const result = leaf.schema.safeParse(ILL_FORMED);
  if (result.success && typeof result.data === 'string' && LONE_SURROGATE.test(result.data)) {
    return `${leaf.path}: accepts a lone surrogate`;
  }
  return null;
}

function inputLeaves(): Leaf[] {
  // At run time `procedures` is flat, keyed by the full path (its type mirrors the nesting).
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[] } }>;
  const leaves: Leaf[] = [];
  for (const [name, procedure] of Object.entries(procedures)) {
    for (const input of procedure._def.inputs) {
      if (!(input instanceof z.ZodType)) throw new Error(`${name}: an input that is not a zod schema cannot be swept`);
      stringLeaves(input, name, leaves);
    }
  }
  return leaves;
}

describe('string inputs', () => {
  const leaves = inputLeaves();

  it('the sweep reaches the fields it must (nested, optional, in unions and pipes)', () => {
    const paths = leaves.map((leaf) => leaf.path);
    for (const expected of [
      'chat.send.text',
      'chat.send.clientId',
      'ai.configs.create.params.systemPrompt',
      'calls.signal|2.payload.candidate',
      'auth.register.email',
      'ai.chat.stream|1.clientId',
    ]) {
      expect(paths).toContain(expected);
    }
    expect(leaves.length).toBeGreaterThan(50);
  });

  it('every string field of every procedure refuses or repairs ill-formed Unicode', () => {
    expect(leaves.map(unguarded).filter((problem) => problem !== null)).toEqual([]);
  });

  it('flags a plain z.string() wherever it hides', () => {
    const planted = z.object({ a: zString(), deep: z.array(z.union([z.number(), z.object({ b: z.string().max(10).optional() })])) });
    expect(stringLeaves(planted, 'x').map(unguarded).filter(Boolean)).toEqual(['x.deep[]|1.b: a string not built on zString() or zText() (strings.ts)']);
    expect(() => stringLeaves(z.object({ c: z.unknown() }), 'x')).toThrow(/no rule for a unknown input/);
  });

  it('zString refuses a lone surrogate and keeps pairs; zText replaces it with U+FFFD', () => {
    expect(zString().safeParse(ILL_FORMED).success).toBe(false);
    expect(zString().safeParse('\uDFFFx').success).toBe(false);
    expect(zString().parse('a😀b')).toBe('a😀b');
    expect(zText().trim().parse(' x\uD800y\uDC00 ')).toBe('x\uFFFDy\uFFFD');
    expect(zText().parse('a😀b')).toBe('a😀b');
  });
});
