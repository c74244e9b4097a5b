// Reads the repository's Dockerfile into its stages and instructions, so tests can run what the
// image runs (its CMD and HEALTHCHECK) without a container engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@chorus/testing';

export interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions by stage, comments dropped and `\` continuations joined. */
export function readDockerfile(path = join(repoRoot, 'Dockerfile')): Instruction[][] {
  const logical = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** The one instruction of this keyword in a stage (the last, as Docker applies it). */
export function instruction(stage: Instruction[], keyword: string): string | undefined {
  return stage.filter((item) => item.keyword === keyword).at(-1)?.args;
}

/** An exec-form argument list (`["node", "..."]`), or an error for the shell form. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not exec form: ${args}`);
  return parsed;
}

/** `ENV A=1 B=2` instructions of a stage, merged. */
export function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((item) => item.keyword === 'ENV')) {
    for (const [, name = '', value = ''] of args.matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  }
  return env;
}
