import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CheapHistogram } from './cheap-histogram';

const buckets = [0.001, 0.01, 0.1, 1];
const observations: Array<[string, string, number]> = [
  ['chat.send', 'ok', 0.0005],
  ['chat.send', 'ok', 0.001],
  ['chat.send', 'ok', 0.05],
  ['chat.send', 'BAD_INPUT', 0.002],
  ['system.ping', 'ok', 3],
  ['chat.send', 'ok', 0.7],
];

describe('CheapHistogram', () => {
  it("exposes exactly the text prom-client's Histogram gives for the same observations", async () => {
    const ours = new Registry();
    const cheap = new CheapHistogram('chorus_test_seconds', 'A test.', ['procedure', 'outcome'], buckets, ours);
    const theirs = new Registry();
    const reference = new Histogram({ name: 'chorus_test_seconds', help: 'A test.', labelNames: ['procedure', 'outcome'], buckets, registers: [theirs] });
    for (const [procedure, outcome, seconds] of observations) {
      cheap.labels(procedure, outcome).observe(seconds);
      reference.labels(procedure, outcome).observe(seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(cheap.labels('chat.send', 'ok')).toBe(cheap.labels('chat.send', 'ok'));
  });

  it('starts over on reset, keeping its series', async () => {
    const registry = new Registry();
    const cheap = new CheapHistogram('chorus_test_seconds', 'A test.', [], buckets, registry);
    cheap.labels().observe(0.5);
    registry.resetMetrics();
    const text = await registry.metrics();
    expect(text).toContain('chorus_test_seconds_count 0');
    expect(text).toContain('chorus_test_seconds_bucket{le="+Inf"} 0');
  });
});
