// The fanout benchmark's settings; variables are listed in bench/README.md.
import { chorusCallsFromEnv, envList, envNumber, sized, smoke } from '../lib/env';

export const CONFIG = {
  groupMembers: sized(1000, 20),
  groupSenders: sized(10, 3),
  directs: sized(2000, 20),
  p99LimitMs: 100,
  warmupMs: sized(1000, 200),
  /**
   * Before a deployment's first step: this long at the scenario's start rate, not measured. A
   * second instance is forked for its case and would otherwise be measured while its code is
   * still being compiled and optimised, which the warm first instance is not.
   */
  deploymentWarmupMs: envNumber('BENCH_FANOUT_DEPLOYMENT_WARMUP_MS', sized(6000, 0)),
  windowMs: envNumber('BENCH_FANOUT_WINDOW_MS', sized(3000, 300)),
  tailMs: 300,
  drainMs: 3000,
  maxInFlight: 2000,
  maxSteps: sized(16, 1),
  bisections: sized(2, 0),
  group: { startRate: sized(20, 5), minRate: 0.5 },
  direct: { startRate: sized(500, 50), minRate: 10 },
  closed: { senders: 256, durationMs: sized(4000, 300) },
  historyRows: Math.floor(envNumber('BENCH_HISTORY_ROWS', sized(1_000_000, 2000))),
  historySeedMaxMs: envNumber('BENCH_HISTORY_SEED_MAX_S', 240) * 1000,
  /** Time allowed for the sequential chat.history calls (each call may be slow). */
  historyMaxMs: envNumber('BENCH_HISTORY_MAX_S', 60) * 1000,
  connect: { concurrency: 100, timeoutMs: 60_000 },
  /** After connecting: until no frame for quietMs (Chorus sends presence to every co-member). */
  settle: { quietMs: sized(1000, 200), maxMs: 120_000 },
  /** Between steps: leftovers of an overloaded step must not load the next one. */
  betweenSteps: { quietMs: 300, maxMs: 30_000 },
  /** Before a step, wait (up to perStepMs, totalMs in all) until the rest of the machine uses less than maxPercent of a core. */
  quietMachine: { maxPercent: 25, perStepMs: 20_000, totalMs: 300_000, skip: smoke },
  /** BENCH_FANOUT_PROFILE=dir: CPU profiles of this process over each Chorus case's steps and closed loop. */
  profileDir: process.env.BENCH_FANOUT_PROFILE || null,
  /** BENCH_FANOUT_RATES=700,1000: measure each Chorus/baseline deployment at these msgs/s instead of searching (per-message comparisons). */
  rates: envList('BENCH_FANOUT_RATES') ? [...envList('BENCH_FANOUT_RATES')!].map(Number) : null,
  /** BENCH_FANOUT_CASES=group,direct  BENCH_FANOUT_SYSTEMS=chorus1,chorus2,ws,socketio  BENCH_FANOUT_HISTORY=0 */
  cases: envList('BENCH_FANOUT_CASES'),
  systems: envList('BENCH_FANOUT_SYSTEMS'),
  /** Smoke: the group case runs on Chorus with one instance only; every system still runs the direct case. */
  groupOnChorus1Only: smoke,
  history: process.env.BENCH_FANOUT_HISTORY !== '0',
  /** BENCH_CHORUS_CALLS=http: Chorus's open-loop senders send over HTTP instead (the closed loop runs both). */
  chorusCalls: chorusCallsFromEnv(),
};
