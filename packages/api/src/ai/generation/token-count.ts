import { createRequire } from 'node:module';

type Tokenizer = typeof import('gpt-tokenizer');

// gpt-tokenizer's vocabulary takes most of a second to load: it is loaded by the first count (the
// first AI request), not by every process that imports the API (each test file, each CLI script).
// Synchronous, because counting is: `require` of the package's CommonJS build.
const load = createRequire(import.meta.url);
let tokenizer: Tokenizer | undefined;

/** Tokens of `text` in the o200k_base encoding (gpt-tokenizer's default). */
export function countTokens(text: string): number {
  tokenizer ??= load('gpt-tokenizer') as Tokenizer;
  return tokenizer.countTokens(text);
}
