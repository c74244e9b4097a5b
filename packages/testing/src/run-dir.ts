import { inject } from 'vitest';

/** This test run's scratch directory (under .data/test/, removed when the run ends); inside vitest only. */
export function testRunDir(): string {
  return inject('testDataDir');
}
