import { fork } from 'node:child_process';
import type { BenchStack } from '../lib/harness';
import { listening, stopChild } from '../lib/load-process';

/** Chorus instance B: a forked process on the same database and Redis. */
export interface SecondInstance {
  url: string;
  pid: number;
  stop(): Promise<void>;
  /** Asks B over IPC; resolves with its answer (counters, or that profiling started/stopped). */
  ask<T>(request: { op: 'counters' | 'profile-start' | 'profile-stop'; file?: string }): Promise<T>;
}

export async function startSecondInstance(stack: BenchStack): Promise<SecondInstance> {
  const child = fork(new URL('./instance.ts', import.meta.url), [stack.databaseUrl, stack.redisUrl]);
  const { url } = await listening<{ url?: string }>(child, 'instance B');
  if (!url) throw new Error('instance B: unexpected first message');
  const ask = <T>(request: { op: string; file?: string }) =>
    new Promise<T>((resolve) => {
      child.once('message', (answer: Record<string, unknown>) => resolve((answer.counters ?? answer) as T));
      child.send(request);
    });
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child, () => child.send('stop')), ask };
}
