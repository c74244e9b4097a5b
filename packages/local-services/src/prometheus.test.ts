import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRules, ensureBinaries, PrometheusQueryError, startPrometheus, testRules, type PrometheusService } from './index.js';
import { isAlive } from './procs.js';
import { getFreePort } from './ports.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-prom-test-'));

/** A scrape target speaking the text exposition format: one counter that grows per scrape. */
let scrapes = 0;
const exporter: Server = createServer((req, res) => {
  if (req.url !== '/custom/metrics') {
    res.writeHead(404).end();
    return;
  }
  scrapes++;
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(`# HELP demo_scrapes_total Scrapes served.\n# TYPE demo_scrapes_total counter\ndemo_scrapes_total{kind="test"} ${scrapes}\n`);
});

const rules = path.join(dir, 'rules.yml');
writeFileSync(
  rules,
  `groups:
  - name: demo
    rules:
      - record: demo:scrapes:rate10s
        expr: rate(demo_scrapes_total[10s])
      - alert: DemoTargetDown
        expr: up == 0
        for: 1m
        labels: { severity: page }
        annotations: { summary: "{{ $labels.instance }} is down" }
`,
);

let prometheus: PrometheusService;
let exporterUrl: string;
let deadUrl: string;

beforeAll(async () => {
  await ensureBinaries(['prometheus']); // may apt-get install on a fresh machine
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  exporterUrl = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/custom/metrics`;
  // Nothing listens there: Prometheus must report that target as down.
  deadUrl = `http://127.0.0.1:${await getFreePort()}/metrics`;
  prometheus = await startPrometheus({ dataDir: dir, targets: [exporterUrl, deadUrl], scrapeIntervalMs: 500, ruleFiles: [rules], job: 'demo' });
}, 300_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('prometheus', () => {
  it('scrapes its targets on loopback, each with its own instance label, and answers PromQL', async () => {
    expect(prometheus.url).toBe(`http://127.0.0.1:${prometheus.port}`);
    const up = await prometheus.waitFor('up', (result) => result.length === 2, 20_000);
    const byInstance: Record<string, number> = Object.fromEntries(up.map((sample) => [sample.metric['instance'] ?? '', sample.value]));
    expect(byInstance).toEqual({ [new URL(exporterUrl).host]: 1, [new URL(deadUrl).host]: 0 });
    expect(up.every((sample) => sample.metric['job'] === 'demo')).toBe(true);

    const counter = await prometheus.waitFor('demo_scrapes_total', (result) => (result[0]?.value ?? 0) >= 3, 20_000);
    expect(counter[0]?.metric).toMatchObject({ kind: 'test', instance: new URL(exporterUrl).host });
    // The recording rule runs at the same interval: a rate near 2/s (one scrape each 500 ms).
    // (The first windows hold few samples and read low, hence the wait for a full one.)
    const rate = await prometheus.waitFor('demo:scrapes:rate10s', (result) => (result[0]?.value ?? 0) > 1.2, 30_000);
    expect(rate[0]?.value).toBeLessThan(4);
    expect(await prometheus.query('scalar(sum(up))')).toEqual([{ metric: {}, value: 1 }]);

    const targets = await prometheus.targets();
    expect(targets.map((target) => [target.scrapeUrl, target.health]).sort()).toEqual(
      [
        [exporterUrl, 'up'],
        [deadUrl, 'down'],
      ].sort(),
    );
  }, 60_000);

  it('loads the rule files; rules report their health; the alert goes pending for the dead target', async () => {
    const groups = await prometheus.rules();
    expect(groups.map((group) => group.name)).toEqual(['demo']);
    const [recording, alert] = groups[0]?.rules ?? [];
    expect(recording).toMatchObject({ name: 'demo:scrapes:rate10s', type: 'recording' });
    expect(alert).toMatchObject({ name: 'DemoTargetDown', type: 'alerting', labels: { severity: 'page' } });
    const alerts = await prometheus.waitFor('ALERTS{alertname="DemoTargetDown"}', (result) => result.length === 1, 20_000);
    expect(alerts[0]?.metric).toMatchObject({ alertstate: 'pending', instance: new URL(deadUrl).host });
    const healthy = await prometheus.rules();
    expect(healthy[0]?.rules.map((rule) => rule.health)).toEqual(['ok', 'ok']);
  }, 60_000);

  it('rejects bad PromQL with a typed error', async () => {
    const failure = await prometheus.query('sum(up').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PrometheusQueryError);
    expect((failure as PrometheusQueryError).errorType).toBe('bad_data');
  });

  it('promtool accepts the rule file and rejects a broken one with its reason', async () => {
    expect(await checkRules([rules])).toContain('SUCCESS: 2 rules found');
    const broken = path.join(dir, 'broken.yml');
    writeFileSync(broken, 'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(up\n');
    await expect(checkRules([broken])).rejects.toThrow(/promtool check rules failed:[\s\S]*(parse error|unclosed)/);
  });

  it('promtool runs rule unit tests: passes when the alert fires as expected, fails with the difference otherwise', async () => {
    const unit = (expected: string) => {
      const file = path.join(dir, `unit-${expected}.yml`);
      writeFileSync(
        file,
        `rule_files: [${rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - { series: 'up{job="demo", instance="x:1"}', values: '0x5' }
    alert_rule_test:
      - eval_time: 3m
        alertname: DemoTargetDown
        exp_alerts:
          - exp_labels: { severity: ${expected}, job: demo, instance: 'x:1' }
            exp_annotations: { summary: 'x:1 is down' }
`,
      );
      return file;
    };
    expect(await testRules([unit('page')])).toContain('SUCCESS');
    await expect(testRules([unit('ticket')])).rejects.toThrow(/promtool test rules failed:[\s\S]*severity="page"/);
  });

  it('stop() ends the server and is idempotent', async () => {
    const second = await startPrometheus({ dataDir: path.join(dir, 'second'), targets: [exporterUrl], scrapeIntervalMs: 1000 });
    expect((await fetch(`${second.url}/-/healthy`)).ok).toBe(true);
    await second.stop();
    expect(isAlive(second.pid)).toBe(false);
    await second.stop();
    await expect(fetch(`${second.url}/-/healthy`)).rejects.toThrow();
  }, 60_000);
});
