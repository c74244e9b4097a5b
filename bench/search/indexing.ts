import type { BenchReport, BenchStack } from '../lib/harness';
export async function indexingComparison(stack: BenchStack): Promise<Pick<BenchReport, 'rows' | 'facts' | 'notes'>> {
  void stack;
  return { rows: [], facts: {}, notes: ['indexing on vs off: not built yet'] };
}
