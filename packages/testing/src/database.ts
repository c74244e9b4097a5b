import type { ScratchDatabase } from '@chorus/db/testing';
import { inject } from 'vitest';
import { copyTemplateDatabase } from './database-template';

export type TestDatabase = ScratchDatabase;

/** A fresh database of its own on the run's MariaDB server, as migrated (a copy of the run's template, see database-template.ts). */
export function createTestDatabase(): Promise<TestDatabase> {
  return copyTemplateDatabase(inject('mariadbServerUrl'), inject('databaseTemplate'));
}
