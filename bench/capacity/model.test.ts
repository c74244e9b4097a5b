import { describe, expect, it } from 'vitest';
import { meanAudience, plan, simulatePeakFactor, type Figures, type Machines, type Workload } from './model';

const figure = (value: number) => ({ value, unit: '', source: 'test' });
const figures: Figures = {
  deliveryCpuUs: figure(10),
  sendCpuMs: figure(0.5),
  dbCpuMsPerSend: figure(0.2),
  redisCpuUsPerDelivery: figure(2),
  idleKbPerConnection: figure(20),
};
const machines: Machines = { coresPerInstance: 4, memoryGbPerInstance: 8, coresPerRedisShard: 1, coresPerDatabaseNode: 16, utilisation: 0.5 };
const directOnly: Workload = { connectedUsers: 360_000, messagesPerUserPerHour: 10, mix: [{ name: 'direct', share: 1, audience: 1 }], bytesPerDelivery: 500 };

describe('capacity model', () => {
  it('weights the audience by each kind of conversation', () => {
    expect(
      meanAudience([
        { name: 'a', share: 3, audience: 1 },
        { name: 'b', share: 1, audience: 101 },
      ]),
    ).toBe(26);
  });

  it('finds busy seconds only where large audiences make the load lumpy', () => {
    const smooth = simulatePeakFactor(1000, [{ name: 'direct', share: 1, audience: 1 }]);
    const lumpy = simulatePeakFactor(1000, [
      { name: 'direct', share: 0.99, audience: 1 },
      { name: 'huge', share: 0.01, audience: 5000 },
    ]);
    expect(smooth).toBeGreaterThan(1);
    expect(smooth).toBeLessThan(1.15);
    expect(lumpy).toBeGreaterThan(smooth + 0.2);
    // Seeded: the same figure every time.
    expect(simulatePeakFactor(1000, [{ name: 'direct', share: 1, audience: 1 }])).toBe(smooth);
  });

  it('turns rates into instances, shards, database cores and network', () => {
    const result = plan(figures, directOnly, machines);
    expect(result.messagesPerSecond).toBe(1000);
    expect(result.deliveriesPerSecond).toBe(1000);
    const peak = result.peakFactor * 1000;
    // CPU: peak × (10 µs + 500 µs) over 4 cores at 50 %.
    expect(result.instances.forCpu).toBe(Math.ceil((peak * 510) / 2e6));
    // Memory: 360,000 × 20 KB over 8 GB at 50 %.
    expect(result.instances.forMemory).toBe(Math.ceil((360_000 * 20) / (8 * 1024 * 1024 * 0.5)));
    expect(result.instances.planned).toBe(Math.max(2, result.instances.forCpu, result.instances.forMemory));
    expect(result.redisShards).toBe(3);
    expect(result.databaseWriteCores).toBeCloseTo((peak * 0.2) / 1000 / 0.5, 6);
    expect(result.networkMbps.total).toBeCloseTo((peak * 500 * 8) / 1e6, 6);
    expect(result.databaseWriteCeilingUsers).toBe(Math.floor((360_000 * 16) / result.databaseWriteCores));
  });

  it('sizes instances by memory when connections, not traffic, dominate', () => {
    const quiet = plan(figures, { ...directOnly, messagesPerUserPerHour: 0.1 }, machines);
    expect(quiet.instancesSizedBy).toBe('memory');
    const busy = plan(figures, { ...directOnly, messagesPerUserPerHour: 200 }, machines);
    expect(busy.instancesSizedBy).toBe('CPU');
  });
});
