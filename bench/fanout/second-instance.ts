import { fork } from 'node:child_process';
import type { BenchStack } from '../lib/harness';
import { stopChild } from '../lib/load-process';

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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('instance B: no URL within 60 s')), 60_000);
    child.once('message', (message: { url?: string }) => {
      clearTimeout(timer);
      if (message.url) resolve(message.url);
      else reject(new Error('instance B: unexpected first message'));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance B exited (${code}) before listening`));
    });
  });
  const ask = <T>(request: { op: string; file?: string }) =>
    new Promise<T>((resolve) => {
      child.once('message', (answer: Record<string, unknown>) => resolve((answer.counters ?? answer) as T));
      child.send(request);
    });
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child, () => child.send('stop')), ask };
}
