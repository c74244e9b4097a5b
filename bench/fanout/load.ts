// The fanout benchmark's load generator, run as a child process (fork) of the benchmark so that
// its receivers and senders have their own event loop, apart from the servers they measure.
//
// Receivers are thin `ws` clients speaking each server's own wire protocol (tRPC's, Socket.IO's
// engine.io framing, or the plain JSON of the ws baseline) and doing the same work per frame:
// one JSON.parse. So the client side costs the same whichever server is measured. They and the
// senders are in fanout/receivers.ts; this file runs the open and closed loops over them.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Histogram } from '../lib/histogram';
import { serveLoadRequests } from '../lib/load-process';
import { messageText, parseMessageText, type ClosedLoopSpec, type LoadRequest, type LoadResult, type OpenLoopSpec } from './protocol';
import { mark, nowMs, planOf, sendAtFixedRate } from '../lib/fixed-rate';
import { connect, disconnect, listenToTexts, send, settle, takeDropped } from './receivers';

interface Run {
  id: string;
  isMeasured(k: number): boolean;
  delivered: number;
  latency: Histogram;
  ack: Histogram;
  measuredSends: number;
  measuredFailed: number;
  acked: number;
  skipped: number;
  sendErrors: number;
  firstError?: string;
}

let current: Run | null = null;
let runCounter = 0;

function newRun(isMeasured: (k: number) => boolean): Run {
  return {
    id: `r${process.pid.toString(36)}${(++runCounter).toString(36)}`,
    isMeasured,
    delivered: 0,
    latency: new Histogram(),
    ack: new Histogram(),
    measuredSends: 0,
    measuredFailed: 0,
    acked: 0,
    skipped: 0,
    sendErrors: 0,
  };
}

function onText(text: unknown): void {
  const parsed = parseMessageText(text);
  const run = current;
  if (!parsed || !run || parsed.run !== run.id || !run.isMeasured(parsed.k)) return;
  run.delivered++;
  run.latency.record(nowMs() - parsed.sentAtMs);
}
listenToTexts(onText);

// ---- runs ----

async function waitForDeliveries(run: Run, fanout: number, inFlight: () => number, drainMs: number): Promise<void> {
  const deadline = performance.now() + drainMs;
  while (performance.now() < deadline) {
    const expected = (run.measuredSends - run.measuredFailed) * fanout;
    if (inFlight() === 0 && run.delivered >= expected) return;
    await sleep(5);
  }
}

/** Whole numbers, but two decimals below 100/s (a group step may send less than one message a second). */
const rate = (perSecond: number): number => (perSecond >= 100 ? Math.round(perSecond) : Math.round(perSecond * 100) / 100);

function result(run: Run, fanout: number, windowMs: number, loadElu: number, schedulerLagMs: number): LoadResult {
  const expected = (run.measuredSends - run.measuredFailed) * fanout;
  const missing = Math.max(0, expected - run.delivered);
  const seconds = Math.max(windowMs, 1) / 1000;
  return {
    measuredSends: run.measuredSends,
    skipped: run.skipped,
    sendErrors: run.sendErrors,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    expected,
    delivered: run.delivered,
    missing,
    elapsedMs: Math.round(windowMs),
    sendsPerSec: rate(run.acked / seconds),
    deliveriesPerSec: rate(run.delivered / seconds),
    latency: run.latency.quantiles(missing),
    ack: run.ack.quantiles(run.measuredSends - run.measuredFailed - run.acked),
    loadElu: Math.round(loadElu * 100) / 100,
    schedulerLagMs: Math.round(schedulerLagMs * 10) / 10,
  };
}

/** Sends at a fixed rate whatever the server does; latency counts from the scheduled send time. */
async function openLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const plan = planOf(spec);
  const run = newRun((k) => k >= plan.kStart && k < plan.kEnd);
  current = run;
  let inFlight = 0;
  const dispatch = (n: number, scheduledAt: number) => {
    const measured = run.isMeasured(n);
    if (inFlight >= spec.maxInFlight) {
      if (measured) run.skipped++;
      return;
    }
    if (measured) run.measuredSends++;
    inFlight++;
    const sender = spec.senders[n % spec.senders.length]!;
    const sentAt = performance.now();
    send(sender, `${run.id}-${n}`, messageText(run.id, n, scheduledAt), (error) => {
      inFlight--;
      if (error) {
        run.sendErrors++;
        run.firstError ??= error;
        if (measured) run.measuredFailed++;
      } else if (measured) {
        run.acked++;
        run.ack.record(performance.now() - sentAt);
      }
    });
  };
  const { elu, lagMs } = await sendAtFixedRate(plan, dispatch);
  await waitForDeliveries(run, spec.fanout, () => inFlight, spec.drainMs);
  current = null;
  // The measured messages are those scheduled in [kStart, kEnd): their span is the window.
  return result(run, spec.fanout, (plan.kEnd - plan.kStart) * plan.period, elu, lagMs);
}

/** Every sender sends, waits for the acknowledgement, sends again: throughput of stored messages. */
async function closedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  const run = newRun(() => true);
  current = run;
  let inFlight = 0;
  let k = 0;
  const eluStart = performance.eventLoopUtilization();
  mark('window-start');
  const started = performance.now();
  const deadline = started + spec.durationMs;
  await Promise.all(
    spec.senders.map(async (sender) => {
      while (performance.now() < deadline) {
        const n = k++;
        run.measuredSends++;
        inFlight++;
        const t0 = performance.now();
        const error = await new Promise<string | undefined>((resolve) =>
          send(sender, `${run.id}-${n}`, messageText(run.id, n, nowMs(), spec.texts?.[n % spec.texts.length]), resolve),
        );
        inFlight--;
        if (error) {
          run.sendErrors++;
          run.measuredFailed++;
          run.firstError ??= error;
          // A failing server must not turn this into a busy loop.
          await sleep(10);
        } else {
          run.acked++;
          run.ack.record(performance.now() - t0);
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  mark('window-end');
  await waitForDeliveries(run, spec.fanout, () => inFlight, spec.drainMs);
  current = null;
  return { ...result(run, spec.fanout, elapsed, elu, 0), measuredSends: run.measuredSends };
}

async function handle(req: LoadRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect':
      return connect(req.system, req.receivers, req.concurrency, req.timeoutMs);
    case 'settle':
      return settle(req.quietMs, req.maxMs);
    case 'open':
      takeDropped();
      return { ...(await openLoop(req.spec)), dropped: takeDropped() };
    case 'closed':
      takeDropped();
      return { ...(await closedLoop(req.spec)), dropped: takeDropped() };
    case 'disconnect':
      return disconnect();
  }
}

serveLoadRequests(handle);
