import type { Percentiles } from './stats';

/** Latencies in 0.05 ms buckets up to 60 s: recording is O(1) whatever the delivery rate. */
export class Histogram {
  private readonly counts = new Uint32Array(60_000 * 20 + 1);
  private n = 0;
  private max = 0;

  record(ms: number): void {
    const bucket = ms <= 0 ? 0 : Math.min(this.counts.length - 1, Math.ceil(ms * 20));
    this.counts[bucket]!++;
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  /** Nearest-rank quantiles; `missing` samples count as slower than any recorded one. */
  quantiles(missing = 0): Percentiles {
    const total = this.n + missing;
    const round = (ms: number) => Math.round(ms * 100) / 100;
    if (total === 0) return { n: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
    const wanted = [0.5, 0.9, 0.99].map((q) => Math.max(1, Math.ceil(q * total)));
    const found: number[] = [];
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length && found.length < wanted.length; bucket++) {
      seen += this.counts[bucket]!;
      while (found.length < wanted.length && seen >= wanted[found.length]!) found.push(bucket / 20);
    }
    while (found.length < wanted.length) found.push(Number.POSITIVE_INFINITY);
    const [p50 = Number.NaN, p90 = Number.NaN, p99 = Number.NaN] = found.map(round);
    return { n: total, p50, p90, p99, max: missing > 0 ? Number.POSITIVE_INFINITY : round(this.max) };
  }
}
