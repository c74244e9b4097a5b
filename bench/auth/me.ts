import { setTimeout as sleep } from 'node:timers/promises';
import { sized } from '../lib/env';
import type { BenchStack, Cell } from '../lib/harness';
import { percentiles, perSecond, withTimeout } from '../lib/stats';
import { closeChorusClient, createBenchClient, createSession, type ChorusClient } from '../lib/workspace';
import { CLIENT_IP, GRACE_MS, MAX_CALLS_PER_CALLER, type Account } from './common';

export const ME = sized({ callers: 200, windowMs: 3000, pacedEveryMs: 1000 }, { callers: 10, windowMs: 300, pacedEveryMs: 100 });

/** `auth.me` from many authenticated clients: a closed loop, then each caller paced. */
export async function meConcurrent(stack: BenchStack, accounts: Account[]): Promise<{ me: Record<string, Cell>; paced: Record<string, Cell> }> {
  const tokens = await Promise.all(
    accounts.map(async (account) => (await createSession(stack.deps, account.id, { ip: CLIENT_IP, userAgent: 'chorus-bench' })).token),
  );
  const clients = tokens.map((token) => createBenchClient(stack.url, { token }));
  try {
    // Warm-up: connection setup, and proof that every token is accepted.
    await Promise.all(clients.map((client) => client.auth.me.query()));
    const closedLoop = await meWindow(clients, 0);
    const paced = await meWindow(clients, ME.pacedEveryMs);
    return {
      me: { case: 'auth.me concurrent', callers: clients.length, ...closedLoop },
      paced: { case: `auth.me paced, each caller every ~${ME.pacedEveryMs} ms`, callers: clients.length, ...paced },
    };
  } finally {
    await Promise.all(clients.map((client) => closeChorusClient(client)));
  }
}

/** Every client calls `auth.me` in a loop for the window, pausing `everyMs` minus the call's time between calls. */
async function meWindow(clients: ChorusClient[], everyMs: number): Promise<Record<string, Cell>> {
  const samples: number[] = [];
  const started = performance.now();
  const deadline = started + ME.windowMs;
  await withTimeout(
    Promise.all(
      clients.map(async (client) => {
        if (everyMs > 0) await sleep(Math.random() * everyMs);
        for (let i = 0; i < MAX_CALLS_PER_CALLER && performance.now() < deadline; i++) {
          const t0 = performance.now();
          await client.auth.me.query();
          const took = performance.now() - t0;
          samples.push(took);
          if (everyMs === 0) continue;
          const pause = Math.max(0, everyMs - took);
          // A pause past the window would only stretch the elapsed time.
          if (performance.now() + pause >= deadline) break;
          await sleep(pause);
        }
      }),
    ),
    ME.windowMs + everyMs + GRACE_MS,
    'auth.me',
  );
  const elapsed = performance.now() - started;
  return { calls: samples.length, 'calls/s': perSecond(samples.length, elapsed), ...percentiles(samples) };
}
