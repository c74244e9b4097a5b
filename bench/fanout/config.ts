// The fanout benchmark's settings; variables are listed in bench/README.md.
import { chorusCallsFromEnv, envList, envNumber } from '../lib/env';

export const CONFIG = {
  groupMembers: 1000,
  groupSenders: 10,
  directs: 2000,
  p99LimitMs: 100,
  warmupMs: 1000,
  windowMs: envNumber('BENCH_FANOUT_WINDOW_MS', 3000),
  tailMs: 300,
  drainMs: 3000,
  maxInFlight: 2000,
  maxSteps: 16,
  bisections: 2,
  group: { startRate: 20, minRate: 0.5 },
  direct: { startRate: 500, minRate: 10 },
  closed: { senders: 256, durationMs: 4000 },
  historyRows: Math.floor(envNumber('BENCH_HISTORY_ROWS', 1_000_000)),
  historySeedMaxMs: envNumber('BENCH_HISTORY_SEED_MAX_S', 240) * 1000,
  /** Time allowed for the sequential chat.history calls (each call may be slow). */
  historyMaxMs: envNumber('BENCH_HISTORY_MAX_S', 60) * 1000,
  connect: { concurrency: 100, timeoutMs: 60_000 },
  /** After connecting: until no frame for quietMs (Chorus sends presence to every co-member). */
  settle: { quietMs: 1000, maxMs: 120_000 },
  /** Between steps: leftovers of an overloaded step must not load the next one. */
  betweenSteps: { quietMs: 300, maxMs: 30_000 },
  /** Before a step, wait (up to perStepMs, totalMs in all) until the rest of the machine uses less than maxPercent of a core. */
  quietMachine: { maxPercent: 25, perStepMs: 20_000, totalMs: 300_000 },
  /** BENCH_FANOUT_PROFILE=dir: CPU profiles of this process over each Chorus case's steps and closed loop. */
  profileDir: process.env.BENCH_FANOUT_PROFILE || null,
  /** BENCH_FANOUT_CASES=group,direct  BENCH_FANOUT_SYSTEMS=chorus1,chorus2,ws,socketio  BENCH_FANOUT_HISTORY=0 */
  cases: envList('BENCH_FANOUT_CASES'),
  systems: envList('BENCH_FANOUT_SYSTEMS'),
  history: process.env.BENCH_FANOUT_HISTORY !== '0',
  /** BENCH_CHORUS_CALLS=http: Chorus's open-loop senders send over HTTP instead (the closed loop runs both). */
  chorusCalls: chorusCallsFromEnv(),
};
