import { inject } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-database';
import { conversationMembers, conversations, users, type TConversationRow } from '../schema/index';

/** A scratch database on the test run's MariaDB server (see packages/testing's global setup). */
export const openTestDatabase = (): Promise<ScratchDatabase> => createScratchDatabase(inject('mariadbServerUrl'));

/** Row makers for the hot module's tests. */
export function fixtures(database: ScratchDatabase) {
  const db = database.db;
  return {
    async user(name: string): Promise<number> {
      return (await db.insert(users).values({ username: name, displayName: name, emailVerifiedAt: new Date() }))[0].insertId;
    },
    /** A conversation of `kind` with `memberIds` as members (a direct one keyed by its pair). */
    async conversation(kind: TConversationRow['kind'], memberIds: number[], values: Partial<typeof conversations.$inferInsert> = {}): Promise<number> {
      const directKey = kind === 'direct' ? [...memberIds].sort((a, b) => a - b).join(':') : null;
      const [created] = await db.insert(conversations).values({ kind, name: kind === 'direct' ? null : kind, directKey, ...values });
      if (memberIds.length > 0) await db.insert(conversationMembers).values(memberIds.map((userId) => ({ conversationId: created.insertId, userId })));
      return created.insertId;
    },
  };
}
