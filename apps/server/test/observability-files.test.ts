// The deploy files for Prometheus and Grafana: the alert rules pass promtool, and the dashboard
// is valid JSON whose every query reads metrics docs/metrics.md documents.
import { join } from 'node:path';
import { checkRules, repoRoot, testRules } from '@chorus/testing';
import { describe, expect, it } from 'vitest';
import { dashboard, dashboardMetricNames, documentedFamilies, metricsDoc } from './observability-files';

/** The family a series belongs to: histograms expose _bucket, _count and _sum series; the event-loop lag its percentiles. */
const familyOf = (name: string, histograms: Set<string>): string => {
  if (/^nodejs_eventloop_lag_(min|max|mean|stddev|p\d+)_seconds$/.test(name)) return 'nodejs_eventloop_lag_seconds';
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return histograms.has(base) ? base : name;
};

describe('deploy/prometheus/alerts.yml', () => {
  it('passes promtool check rules', { timeout: 60_000 }, async () => {
    expect(await checkRules([join(repoRoot, 'deploy/prometheus/alerts.yml')])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fires each alert of its unit tests (promtool test rules: synthetic series, expected labels and annotations)', { timeout: 60_000 }, async () => {
    expect(await testRules([join(repoRoot, 'deploy/prometheus/alerts.test.yml')])).toContain('SUCCESS');
  });
});

describe('deploy/grafana/chorus.json', () => {
  it('is a dashboard whose panels each have a unique id, a place on the 24-column grid and queries on the chosen data source', () => {
    const board = dashboard();
    expect(board).toMatchObject({ title: 'Chorus', uid: 'chorus-overview' });
    expect(board.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'instance']);
    const ids = board.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of board.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr, panel.title).toMatch(/\S/);
    }
  });

  it('reads only documented metrics, and draws every documented chorus_ family', () => {
    const families = documentedFamilies();
    const histograms = new Set(families.filter((family) => family.type === 'histogram').map((family) => family.name));
    const documented = new Set(families.map((family) => family.name));
    const doc = metricsDoc();
    const used = dashboardMetricNames();
    // A name is documented when the table (or the default metrics' list) names it or its family.
    const unknown = used.filter((name) => name !== 'up' && !documented.has(familyOf(name, histograms)) && !doc.includes(`\`${name}\``));
    expect(unknown).toEqual([]);
    const drawn = new Set(used.map((name) => familyOf(name, histograms)));
    expect(families.filter((family) => family.name.startsWith('chorus_') && !drawn.has(family.name)).map((family) => family.name)).toEqual([]);
  });
});
