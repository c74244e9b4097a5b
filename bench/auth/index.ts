import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchReport, BenchStack, Cell } from '../lib/harness';
import { sized } from '../lib/env';
import { log } from '../lib/harness';
import { percentiles, perSecond, withTimeout } from '../lib/stats';
import { CLIENT_IP, GRACE_MS, MAX_CALLS_PER_CALLER, type Account } from './common';
import { ME, meConcurrent } from './me';
import { appCodeOf, closeChorusClient, createBenchClient, users, type ChorusClient } from '../lib/workspace';

const STORM = sized({ callers: 32, windowMs: 5000 }, { callers: 4, windowMs: 500 });
const SEQUENTIAL_LOGINS = sized(20, 3);
/** The side client's pause between two `system.ping` calls. */
const PING_GAP_MS = 10;
const BASELINE_PINGS = sized(100, 10);
const PASSWORD = 'chorus-bench-password';
const GOALS = { loginsPerSecond: 100, pingP99Ms: 10, meP99Ms: 5 };

/**
 * Password login at the OWASP argon2id parameters under a storm of concurrent callers, the
 * latency of a cheap call meanwhile, and `auth.me` with many authenticated clients.
 */
export async function auth(stack: BenchStack): Promise<BenchReport> {
  const rows: Array<Record<string, Cell>> = [];
  const prefix = `b${randomBytes(4).toString('hex')}`;

  log('auth: creating accounts');
  const { passwordHash, accounts } = await createAccounts(stack, prefix, Math.max(STORM.callers, ME.callers));

  log('auth: ping baseline');
  rows.push(await pingBaseline(stack.url));

  // The storm logs in thousands of times from 127.0.0.1, far past loginPerIp (60 per 900 s).
  // The limiter still runs (one Redis INCR per login, as in production); only its allowance is
  // raised for this benchmark, then restored and our key's count removed.
  const limiter = stack.deps.limiters.loginPerIp;
  const configuredPoints = limiter.points;
  limiter.points = Number.MAX_SAFE_INTEGER;
  let consumedByUs: Cell;
  let storm: StormResult;
  try {
    log(`auth: ${SEQUENTIAL_LOGINS} sequential logins`);
    rows.push(await sequentialLogins(stack.url, accounts[0]!));
    log(`auth: login storm, ${STORM.callers} callers for ${STORM.windowMs} ms, pinging every ${PING_GAP_MS} ms`);
    storm = await loginStorm(stack.url, accounts.slice(0, STORM.callers));
    rows.push(storm.login, storm.ping);
    consumedByUs = (await limiter.get(CLIENT_IP))?.consumedPoints ?? 'no key';
  } finally {
    limiter.points = configuredPoints;
    await limiter.delete(CLIENT_IP);
  }

  log(`auth: auth.me, ${ME.callers} callers for ${ME.windowMs} ms`);
  const { me, paced } = await meConcurrent(stack, accounts.slice(0, ME.callers));
  rows.push(me, paced);

  const threadpool = process.env.UV_THREADPOOL_SIZE;
  return {
    bench: 'auth',
    rows,
    facts: {
      'os.availableParallelism()': availableParallelism(),
      UV_THREADPOOL_SIZE: threadpool ?? 'unset (libuv default 4)',
      'argon2 parameters (from the stored hash)': argon2Params(passwordHash),
      'login errors during the storm': formatCounts(storm.errors),
      [`loginPerIp points consumed by ${CLIENT_IP} (sequential + storm)`]: consumedByUs,
      'event loop delay during the storm p50 / p99 / max ms': storm.loopDelay,
    },
    notes: [
      `goal: ≥ ${GOALS.loginsPerSecond} successful logins/s on 2 cores; measured ${storm.login['calls/s']}/s`,
      `goal: system.ping p99 < ${GOALS.pingP99Ms} ms during the login storm; measured ${storm.ping.p99} ms`,
      `goal: auth.me p99 < ${GOALS.meP99Ms} ms with ${ME.callers} concurrent authenticated clients; measured ${me.p99} ms`,
      'latencies in ms, measured in the client from call to result (nearest-rank percentiles); login percentiles cover successful logins only',
      'the server runs in this process: clients and server share one event loop (one core); argon2 runs on the libuv thread pool of this same process',
      'accounts are inserted directly in the database (email verified) with one password hash made by the server itself (one auth.register); a shared salt does not change the cost of verifying',
      `loginPerIp (${configuredPoints} per window) is raised in-process for the login phases only (limiter.points), so every login still pays its Redis call; restored afterwards and the ${CLIENT_IP} key deleted`,
      `storm: each caller its own client and its own account, logging in by email in a loop; the ping client pauses ${PING_GAP_MS} ms between calls`,
      'auth.me: sessions made with createSession (no login), one client and token per caller, one warm-up call each; fresh sessions, so no lastSeenAt writes',
      `auth.me concurrent is a closed loop (each caller calls again at once), so its latency is about callers ÷ calls/s; the paced row (each caller about once per ${ME.pacedEveryMs} ms, random phase) shows latency below saturation`,
    ],
  };
}

async function createAccounts(stack: BenchStack, prefix: string, count: number): Promise<{ passwordHash: string; accounts: Account[] }> {
  const { db } = stack.deps;
  // The server hashes the password once, with its own parameters; the bench needs no argon2 of its own.
  const client = createBenchClient(stack.url);
  const template = `${prefix}_tpl`;
  try {
    await client.auth.register.mutate({ email: `${template}@bench.example.com`, username: template, password: PASSWORD });
  } finally {
    await closeChorusClient(client);
  }
  await stack.deps.limiters.registerPerIp.reward(CLIENT_IP, 1);
  const isOurs = (username: string) => username.startsWith(`${prefix}_`);
  const registered = (await db.select({ username: users.username, passwordHash: users.passwordHash }).from(users)).filter((row) => isOurs(row.username));
  const passwordHash = registered.find((row) => row.username === template)?.passwordHash;
  if (!passwordHash) throw new Error('auth: the registered template account has no password hash');

  const now = new Date();
  await db.insert(users).values(
    Array.from({ length: count }, (_, i) => {
      const username = `${prefix}_${i}`;
      return { email: `${username}@bench.example.com`, username, displayName: username, passwordHash, emailVerifiedAt: now, createdAt: now, updatedAt: now };
    }),
  );
  const inserted = (await db.select({ id: users.id, username: users.username, email: users.email }).from(users)).filter(
    (row) => isOurs(row.username) && row.username !== template,
  );
  const byIndex = (username: string) => Number(username.slice(prefix.length + 1));
  inserted.sort((a, b) => byIndex(a.username) - byIndex(b.username));
  if (inserted.length !== count) throw new Error(`auth: expected ${count} accounts, found ${inserted.length}`);
  return { passwordHash, accounts: inserted.map((row) => ({ id: row.id, email: row.email ?? '' })) };
}

/** `$argon2id$v=19$m=19456,t=2,p=1$salt$hash` → `argon2id m=19456,t=2,p=1`. */
function argon2Params(phc: string): string {
  const [, algorithm, , params] = phc.split('$');
  return `${algorithm ?? '?'} ${params ?? '?'}`;
}

const formatCounts = (counts: Map<string, number>): string => (counts.size === 0 ? 'none' : [...counts].map(([code, n]) => `${code} ×${n}`).join(', '));

/** Sequential pings with a pause between, until `stop()` or `maxCalls`. */
function pingLoop(client: ChorusClient, maxCalls: number) {
  let stopped = false;
  const samples: number[] = [];
  const done = (async () => {
    while (!stopped && samples.length < maxCalls) {
      const t0 = performance.now();
      await client.system.ping.query();
      samples.push(performance.now() - t0);
      await sleep(PING_GAP_MS);
    }
    return samples;
  })();
  return {
    done,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

async function pingBaseline(url: string): Promise<Record<string, Cell>> {
  const client = createBenchClient(url);
  try {
    await client.system.ping.query();
    const samples = await withTimeout(pingLoop(client, BASELINE_PINGS).done, GRACE_MS, 'ping baseline');
    return { case: `system.ping idle, every ~${PING_GAP_MS} ms`, callers: 1, calls: samples.length, ...percentiles(samples) };
  } finally {
    await closeChorusClient(client);
  }
}

async function sequentialLogins(url: string, account: Account): Promise<Record<string, Cell>> {
  const client = createBenchClient(url);
  try {
    // The first login also pays module and connection warm-up.
    await client.auth.login.mutate({ login: account.email, password: PASSWORD });
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < SEQUENTIAL_LOGINS; i++) {
      const t0 = performance.now();
      await client.auth.login.mutate({ login: account.email, password: PASSWORD });
      samples.push(performance.now() - t0);
    }
    const elapsed = performance.now() - started;
    return {
      case: 'auth.login sequential',
      callers: 1,
      calls: samples.length,
      'calls/s': perSecond(samples.length, elapsed),
      errors: 0,
      ...percentiles(samples),
    };
  } finally {
    await closeChorusClient(client);
  }
}

interface StormResult {
  login: Record<string, Cell>;
  ping: Record<string, Cell>;
  errors: Map<string, number>;
  loopDelay: string;
}

async function loginStorm(url: string, accounts: Account[]): Promise<StormResult> {
  const clients = accounts.map(() => createBenchClient(url));
  const pinger = createBenchClient(url);
  try {
    // Connection setup is paid before the window opens.
    await Promise.all([...clients, pinger].map((client) => client.system.ping.query()));
    const samples: number[] = [];
    const errors = new Map<string, number>();
    let attempts = 0;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const pings = pingLoop(pinger, Number.MAX_SAFE_INTEGER);
    const started = performance.now();
    const deadline = started + STORM.windowMs;
    await withTimeout(
      Promise.all(
        clients.map(async (client, i) => {
          const login = accounts[i]!.email;
          for (let n = 0; n < MAX_CALLS_PER_CALLER && performance.now() < deadline; n++) {
            attempts++;
            const t0 = performance.now();
            try {
              await client.auth.login.mutate({ login, password: PASSWORD });
              samples.push(performance.now() - t0);
            } catch (error) {
              const code = appCodeOf(error) ?? (error instanceof Error ? error.message : String(error));
              errors.set(code, (errors.get(code) ?? 0) + 1);
            }
          }
        }),
      ),
      STORM.windowMs + GRACE_MS,
      'login storm',
    );
    const elapsed = performance.now() - started;
    const pingSamples = await withTimeout(pings.stop(), GRACE_MS, 'ping during storm');
    loopDelay.disable();
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    const failed = [...errors.values()].reduce((sum, n) => sum + n, 0);
    return {
      login: {
        case: 'auth.login storm (calls/s = successful)',
        callers: clients.length,
        calls: attempts,
        'calls/s': perSecond(samples.length, elapsed),
        errors: failed,
        ...percentiles(samples),
      },
      ping: { case: `system.ping during the storm, every ~${PING_GAP_MS} ms`, callers: 1, calls: pingSamples.length, ...percentiles(pingSamples) },
      errors,
      loopDelay: `${ms(loopDelay.percentile(50))} / ${ms(loopDelay.percentile(99))} / ${ms(loopDelay.max)}`,
    };
  } finally {
    await Promise.all([...clients, pinger].map((client) => closeChorusClient(client)));
  }
}
