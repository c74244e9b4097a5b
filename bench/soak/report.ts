// The soak's table and facts, from the memory samples and the replay's counts.
import type { Cell } from '../lib/harness';
import type { Sample, SteadyFigures } from './memory';
import type { ReplayResult } from './protocol';

const MB = 2 ** 20;
const mb = (bytes: number, digits = 2): number => Number((bytes / MB).toFixed(digits));

/** A row every `everyS` seconds of sending (the first at 0, before any message). */
export function rowsOf(samples: Sample[], everyS: number): Array<Record<string, Cell>> {
  const rows: Array<Record<string, Cell>> = [];
  let previous: Sample | undefined;
  for (const sample of samples) {
    if (Math.abs(sample.t / everyS - Math.round(sample.t / everyS)) > 1e-6) continue;
    rows.push({
      minute: Number((sample.t / 60).toFixed(1)),
      'messages sent': sample.sent,
      'used_memory MB': mb(sample.usedMemory),
      keys: sample.keys,
      'growth MB': previous ? mb(sample.usedMemory - previous.usedMemory) : '-',
    });
    previous = sample;
  }
  return rows;
}

export function steadyFacts(steady: SteadyFigures | null, wantedFromS: number): Record<string, Cell> {
  if (!steady) return { 'steady part': 'too few samples (run longer)' };
  const perMessage = (perMinute: number) => perMinute / Math.max(1, steady.messagesPerMinute);
  const pass = steady.spread <= 0.1;
  return {
    'steady part: from, samples': `${(steady.fromS / 60).toFixed(1)} min${steady.fromS < wantedFromS ? ` (the run ends before 2 × window + 2 min, ${(wantedFromS / 60).toFixed(1)} min)` : ''}, ${steady.samples}`,
    'used_memory min / mean / max MB': `${mb(steady.minBytes)} / ${mb(steady.meanBytes)} / ${mb(steady.maxBytes)}`,
    'flatness (max − min) ÷ mean, goal ≤ 10 %': `${(100 * steady.spread).toFixed(1)} %: ${pass ? 'PASS' : 'FAIL'}`,
    'used_memory slope MB/min': mb(steady.bytesPerMinute, 3),
    'keys slope per min': Math.round(steady.keysPerMinute),
    'messages per min': Math.round(steady.messagesPerMinute),
    'bytes per message (slope ÷ messages)': Math.round(perMessage(steady.bytesPerMinute)),
    'keys per message (slope ÷ messages)': Number(perMessage(steady.keysPerMinute).toFixed(3)),
  };
}

/** The same spread from one window + 2 minutes on, while conversation bodies may still be filling up. */
export function earlyFlatness(early: SteadyFigures | null): Record<string, Cell> {
  return early ? { 'flatness from window + 2 min': `${(100 * early.spread).toFixed(1)} % over ${early.samples} samples` } : {};
}

export function replayFacts(replay: ReplayResult): Record<string, Cell> {
  const gapless =
    replay.error === null &&
    replay.lost === 0 &&
    replay.duplicated === 0 &&
    replay.outOfOrder === 0 &&
    replay.resyncs === 0 &&
    replay.received === replay.expected;
  return {
    'replay +24 h: expected, received, lost, duplicated, out of order': `${replay.expected}, ${replay.received}, ${replay.lost}, ${replay.duplicated}, ${replay.outOfOrder}`,
    'replay +24 h: resync': replay.resyncs === 0 ? 0 : `${replay.resyncs} (${replay.resyncReasons.join(', ')})`,
    'replay +24 h: ms to caught up': replay.caughtUpMs ?? `never${replay.error ? ` (${replay.error})` : ''}`,
    'replay +24 h: gapless': gapless ? 'PASS' : 'FAIL',
  };
}

/** The same position past the retention: a resync (reason `expired`) is the right answer, a replay is what Redis still held. */
export function expiredFacts(replay: ReplayResult): Record<string, Cell> {
  const answer = replay.resyncs > 0 ? `resync (${replay.resyncReasons.join(', ')})` : replay.error ? `error: ${replay.error}` : 'no resync';
  return { 'replay +49 h (past the 48 h retention): answer, messages replayed': `${answer}, ${replay.received}` };
}
