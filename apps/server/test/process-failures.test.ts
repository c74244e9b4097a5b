import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./process-failures-fixture.ts', import.meta.url));

/** Runs the fixture in a process of its own; its exit code and the messages it logged. */
function run(mode: 'rejection' | 'exception'): Promise<{ code: number | null; lines: { level: number; msg: string; err?: { message: string } }[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      resolve({
        code,
        lines: stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as never),
      }),
    );
  });
}

describe('process failures (decision 0067)', () => {
  it('logs an unhandled rejection at error, with its error, and keeps serving', async () => {
    const { code, lines } = await run('rejection');
    expect(lines.map(({ level, msg, err }) => [level, msg, err?.message])).toEqual([
      [50, 'unhandled promise rejection; still serving', 'Connection is closed.'],
      [30, 'still serving', undefined],
    ]);
    expect(code).toBe(0);
  });

  it('logs an uncaught exception at fatal and exits with 1', async () => {
    const { code, lines } = await run('exception');
    expect(lines.map(({ level, msg, err }) => [level, msg, err?.message])).toEqual([[60, 'uncaught exception; exiting', 'state left half-changed']]);
    expect(code).toBe(1);
  });
});
