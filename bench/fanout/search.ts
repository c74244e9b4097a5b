// The fanout benchmark's rate search (open-loop steps until p99 reaches the limit), how a step
// is judged, and the table row a searched case becomes.
import { CONFIG } from './config';
import type { LoadResult } from './protocol';
import type { Measured, Scenario, Step } from './report';
import type { Cell } from '../lib/harness';
import type { CpuUse } from '../lib/process-cpu';

/** Server CPU (this process, plus instance B) per message, in ms: what one message costs the server. */
export function serverMsPerMessage(cpu: CpuUse, messagesPerSec: number): Cell {
  const server = (cpu.percent.get('srv') ?? Number.NaN) + (cpu.percent.get('B') ?? 0);
  if (!Number.isFinite(server) || messagesPerSec <= 0) return '-';
  return Number(((server / 100) * (1000 / messagesPerSec)).toFixed(2));
}

export const round2 = (value: number) => Number(value.toPrecision(2));
export const ms = (value: number): Cell => (Number.isFinite(value) ? value : 'lost');

export function verdict(result: LoadResult): { pass: boolean; why: string } {
  const reasons: string[] = [];
  if (result.sendErrors > 0) reasons.push(`${result.sendErrors} send errors (${result.firstError ?? '?'})`);
  if (result.skipped > 0) reasons.push(`${result.skipped} sends skipped (> ${CONFIG.maxInFlight} in flight)`);
  if (result.missing > 0) reasons.push(`${result.missing} deliveries missing after ${CONFIG.drainMs} ms`);
  if ((result.dropped ?? 0) > 0) reasons.push(`${result.dropped} receivers dropped`);
  if (!(result.latency.p99 < CONFIG.p99LimitMs)) reasons.push(`p99 ${result.latency.p99} ms ≥ ${CONFIG.p99LimitMs}`);
  return { pass: reasons.length === 0, why: reasons.join('; ') || 'ok' };
}

/** Doubles the rate until a step fails (halves it while the first ones fail), then bisects. */
export async function searchRate(step: (rate: number) => Promise<Step>, scenario: Scenario): Promise<{ steps: Step[]; best?: Step; above?: Step }> {
  const steps: Step[] = [];
  let best: Step | undefined;
  let above: Step | undefined;
  // A failing step is run once more and fails only if it fails again: this VM stalls now and
  // then, and one stall in the first step would otherwise cap the search far below the rate the
  // system sustains. Every system is measured the same way.
  const confirmed = async (at: number): Promise<Step> => {
    const first = await step(at);
    steps.push(first);
    if (first.pass || steps.length >= CONFIG.maxSteps) return first;
    const again = await step(at);
    steps.push(again);
    return again;
  };
  let rate = scenario.startRate;
  while (steps.length < CONFIG.maxSteps) {
    const s = await confirmed(rate);
    if (s.pass) {
      if (!best || s.result.deliveriesPerSec > best.result.deliveriesPerSec) best = s;
      if (above) break;
      rate *= 2;
    } else {
      if (!above || s.rate < above.rate) above = s;
      if (best) break;
      rate /= 2;
      if (rate < scenario.minRate) break;
    }
  }
  for (let i = 0; i < CONFIG.bisections && best && above && steps.length < CONFIG.maxSteps; i++) {
    const mid = round2(Math.sqrt(best.rate * above.rate));
    if (mid <= best.rate || mid >= above.rate) break;
    const s = await confirmed(mid);
    if (s.pass) best = s;
    else above = s;
  }

  return { steps, best, above };
}

export function searchRow(scenario: Scenario, result: Measured): Record<string, Cell> {
  const best = result.best;
  const above = result.above;
  const overLimit = above
    ? `${above.offeredDeliveries}/s: p99 ${Number.isFinite(above.result.latency.p99) ? `${above.result.latency.p99} ms` : 'lost'}${above.result.missing > 0 || above.result.skipped > 0 || above.result.sendErrors > 0 ? ` (${above.why.split(';')[0]})` : ''}`
    : 'not reached';
  const complete = result.steps.filter((step) => step.result.missing === 0 && step.result.sendErrors === 0 && step.result.skipped === 0);
  const peak = complete.reduce<Step | undefined>((top, step) => (!top || step.result.deliveriesPerSec > top.result.deliveriesPerSec ? step : top), undefined);
  return {
    case: scenario.label,
    system: result.deployment.label,
    'msgs/s': best?.result.sendsPerSec ?? 0,
    'deliveries/s': best?.result.deliveriesPerSec ?? 0,
    p50: best ? ms(best.result.latency.p50) : '-',
    p99: best ? ms(best.result.latency.p99) : '-',
    'ack p50': best ? ms(best.result.ack.p50) : '-',
    'ack p99': best ? ms(best.result.ack.p99) : '-',
    'over the limit': overLimit,
    'peak, all delivered (any p99)': peak ? `${peak.result.deliveriesPerSec}/s: p99 ${ms(peak.result.latency.p99)} ms` : 'none',
    steps: result.steps.length,
    'server CPU ms/msg': best ? serverMsPerMessage(best.cpu, best.result.sendsPerSec) : above ? serverMsPerMessage(above.cpu, above.result.sendsPerSec) : '-',
    'cpu% (window)': (best ?? above)?.cpu.text || '-',
    'srv loop delay p99/max ms': (best ?? above)?.cpu.loopDelay ?? '-',
  };
}
