import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startPrometheus, type PrometheusOptions, type PrometheusService } from '@chorus/local-services';
import { inject } from 'vitest';

export { checkRules, testRules, PrometheusQueryError, type PromSample, type PrometheusService } from '@chorus/local-services';

/** Debian's real Prometheus, private to this test run (its TSDB under the run's scratch directory). */
export function startTestPrometheus(options: Omit<PrometheusOptions, 'dataDir'>): Promise<PrometheusService> {
  const dataDir = join(inject('testDataDir'), `prometheus-${randomBytes(4).toString('hex')}`);
  return startPrometheus({ ...options, dataDir });
}
