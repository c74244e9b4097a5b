// The files benchmark's second case: the server's resident memory while many clients upload at
// once, for two file sizes (goal: bounded, and not growing with the size).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG, cpuCell, mib, rate, removeStored, seconds, uploadAll, type Context } from './common';
import { MiB, writeRandomFile } from './disk';
import type { Cell } from '../lib/harness';
import { log } from '../lib/harness';
import { quantiles } from '../lib/stats';

export interface MemoryCase {
  sizeMiB: number;
  peakBytes: number;
  /** Peak − this case's own baseline. */
  increaseBytes: number;
  row: Record<string, Cell>;
  spread: string;
}

export async function memory(ctx: Context, dir: string): Promise<MemoryCase[]> {
  const cases: MemoryCase[] = [];
  for (const sizeMiB of CONFIG.sizesMiB) {
    const source = await writeRandomFile(join(dir, `source-${sizeMiB}.bin`), sizeMiB * MiB);
    try {
      log(`files: ${CONFIG.clients} uploads of ${sizeMiB} MiB at once`);
      const { batch, cpu, rss } = await uploadAll(ctx, source, CONFIG.clients);
      await removeStored(ctx);
      const peak = rss.kernelPeakBytes ?? rss.sampledPeakBytes;
      const totals = batch.uploads.map((upload) => upload.totalMs);
      const [p50 = Number.NaN, max = Number.NaN] = quantiles(totals, [0.5, 1]);
      cases.push({
        sizeMiB,
        peakBytes: peak,
        increaseBytes: peak - rss.baselineBytes,
        spread: `${seconds(p50)} / ${seconds(max)}`,
        row: {
          case: `${CONFIG.clients} × ${sizeMiB} MiB at once`,
          runs: batch.uploads.length,
          s: seconds(batch.wallMs),
          'MiB/s': rate(CONFIG.clients * sizeMiB * MiB, batch.wallMs),
          'srv CPU %': cpuCell(cpu, 'srv'),
          'load CPU %': cpuCell(cpu, 'load'),
          'other CPU %': cpuCell(cpu, 'other'),
          'RSS base MiB': mib(rss.baselineBytes),
          'RSS peak MiB': mib(peak),
          'RSS + MiB': mib(peak - rss.baselineBytes),
          'sampled peak MiB': mib(rss.sampledPeakBytes),
          'heap / arrayBuffers at peak MiB': `${mib(rss.heapUsedAtPeak)} / ${mib(rss.arrayBuffersAtPeak)}`,
        },
      });
    } finally {
      await rm(source.path, { force: true });
    }
  }
  return cases;
}

/**
 * Bounded: every case's peak is less than rssIncreaseMiB over its baseline. Independent of the
 * size: measured from the smallest size's baseline, the largest size's peak is at most rssGrowth×
 * the smallest's increase, or less than rssNoiseMiB above its peak (small increases make a ratio
 * noisy). The baseline of a later case is often higher (the heap grew in the earlier one), which
 * would shrink its own increase: comparing peaks avoids counting that as no growth.
 */
export function memoryGoal(cases: MemoryCase[]): Cell {
  if (cases.length === 0) return 'not measured';
  const { rssIncreaseMiB, rssGrowth, rssNoiseMiB } = CONFIG.goals;
  const smallest = cases[0]!;
  const largest = cases.at(-1)!;
  const bounded = cases.every((c) => c.increaseBytes < rssIncreaseMiB * MiB);
  const above = largest.peakBytes - smallest.peakBytes;
  const independent = cases.length < 2 || above <= (rssGrowth - 1) * smallest.increaseBytes || above < rssNoiseMiB * MiB;
  const increases = cases.map((c) => `+${mib(c.increaseBytes)} MiB at ${c.sizeMiB} MiB`).join(', ');
  const figures =
    cases.length < 2
      ? `peak ${mib(largest.peakBytes)} MiB, ${increases}`
      : `peak ${mib(smallest.peakBytes)} MiB at ${smallest.sizeMiB} MiB, ${mib(largest.peakBytes)} MiB at ${largest.sizeMiB} MiB (${above >= 0 ? '+' : ''}${mib(above)} MiB); over each baseline ${increases}`;
  const goal =
    cases.length < 2
      ? `< ${rssIncreaseMiB} MiB over the baseline`
      : `< ${rssIncreaseMiB} MiB over the baseline, and the peak at ${largest.sizeMiB} MiB within ${rssGrowth}× the ${smallest.sizeMiB} MiB increase or ${rssNoiseMiB} MiB of its peak`;
  return `${figures} (goal: ${goal}): ${bounded && independent ? 'met' : 'missed'}`;
}
