import { users } from '@chorus/db';
import { createTestDatabase, type TestDatabase } from '@chorus/testing';

export const DAY = 24 * 60 * 60 * 1000;

/** A test database of its own with one user (`username`, mail at example.com), for the session tests. */
export async function databaseWithUser(username: string, displayName: string): Promise<{ database: TestDatabase; userId: number }> {
  const database = await createTestDatabase();
  const [result] = await database.db.insert(users).values({ username, displayName, email: `${username}@example.com` });
  return { database, userId: result.insertId };
}
