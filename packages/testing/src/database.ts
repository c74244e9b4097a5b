import { createScratchDatabase, type ScratchDatabase } from '@chorus/db/testing';
import { inject } from 'vitest';

export type TestDatabase = ScratchDatabase;

/** A fresh, migrated database of its own on the run's MariaDB server. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(inject('mariadbServerUrl'));
}
