// The server process with METRICS_PORT: metrics on their own listener, which closes on shutdown.
import { metricValue, scrapeMetrics } from '@chorus/testing';
import { describe, expect, it } from 'vitest';
import { useServerBackends, spawnServerChild, waitForLogLine } from './server-process';

const backends = useServerBackends();

describe('METRICS_PORT', () => {
  it('serves /metrics on its own loopback listener, not on the public port, and closes it on SIGTERM', async () => {
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url, METRICS_PORT: '0' });
    const url = String((await waitForLogLine(server, 'listening')).url);
    const metricsUrl = String((await waitForLogLine(server, 'metrics listening')).url);
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).not.toBe(new URL(url).port);

    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const samples = await scrapeMetrics(metricsUrl);
    expect(metricValue(samples, 'chorus_ws_connections')).toBe(0);
    expect(metricValue(samples, 'chorus_redis_connected_clients')).toBeGreaterThan(0);
    expect(metricValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });

  it('is off when unset: no metrics listener is started', async () => {
    const server = spawnServerChild({ DATABASE_URL: backends.database.url, REDIS_URL: backends.redis.url });
    await waitForLogLine(server, 'listening');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.lines.map((line) => line.msg)).not.toContain('metrics listening');
  });
});
