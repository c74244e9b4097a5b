// What the ai benchmark's phases share: users with a provider config pointing at the fake, and
// the latency row of the report.
import type { FakeInfo } from './protocol';
import { createMembers, inParallel } from '../lib/members';
import type { BenchStack } from '../lib/harness';
import { quantiles } from '../lib/stats';
import { closeChorusClient, createBenchClient, type AppDeps, type ChorusClient } from '../lib/workspace';

/** BENCH_AI_PROFILE=dir: V8 CPU profiles of this process (the server) over the TTFT samples and the ping window. */
export const PROFILE_DIR = process.env.BENCH_AI_PROFILE || null;

export interface AiUser {
  id: number;
  token: string;
  /** Their own provider config (the fake), also their default. */
  configId: Awaited<ReturnType<ChorusClient['ai']['configs']['create']['mutate']>>['id'];
}

/** Users inserted straight into the database (as in fanout), each adding the fake as their provider through the API. */
export async function createAiUsers(stack: BenchStack, count: number, fake: FakeInfo): Promise<AiUser[]> {
  const members = await createMembers(stack, count);
  const users: AiUser[] = [];
  // One at a time: concurrent ai.configs.create calls of different users deadlock in MariaDB (the
  // per-user count's SELECT … FOR UPDATE takes gap locks that the other users' INSERTs wait on).
  await inParallel(members, 1, async (member, index) => {
    const client = createBenchClient(stack.url, { token: member.token });
    try {
      const config = await client.ai.configs.create.mutate({ label: 'fake', baseUrl: fake.url, model: fake.model, apiKey: fake.apiKey, isDefault: true });
      users[index] = { ...member, configId: config.id };
    } finally {
      await closeChorusClient(client);
    }
  });
  return users;
}

export interface Spread {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export type LatencyRow = { case: string; n: number; p50: number; p95: number; p99: number; max: number | string; goal?: string; met?: string };

/** Nearest-rank p50/p95/p99/max in ms (lib/stats.ts's `percentiles` has p90; the goals here are p95/p99). */
export function spread(samples: readonly number[]): Spread {
  const [p50 = Number.NaN, p95 = Number.NaN, p99 = Number.NaN, max = Number.NaN] = quantiles(samples, [0.5, 0.95, 0.99, 1]);
  return { n: samples.length, p50, p95, p99, max };
}

/** Until a finished generation's background work (storing, usage, title check) is over too. */
export async function backgroundIdle(deps: AppDeps): Promise<void> {
  while (deps.ai.tasks.size > 0) await Promise.allSettled([...deps.ai.tasks]);
}
