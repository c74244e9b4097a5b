import { users } from '@chorus/db';
import { createTestDatabase, type TestDatabase } from '@chorus/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from './auth/password';
import { AppError } from './errors';
import { logSerializers } from './log-serializers';

let database: TestDatabase;
let passwordHash: string;
beforeAll(async () => {
  database = await createTestDatabase();
  passwordHash = await hashPassword('a secret password');
});
afterAll(async () => {
  await database?.drop();
});

/** The error a promise rejects with, logged the way the server logs errors: the JSON line. */
async function loggedLine(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the query to fail');
    },
    (caught: unknown) => caught,
  );
  const lines: string[] = [];
  pino({ serializers: logSerializers }, { write: (line: string) => void lines.push(line) }).error({ err: error }, 'call failed');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const row = (email: string, username: string) => ({ email, username, displayName: username, passwordHash });

describe('logged query errors carry no query values', () => {
  it('a unique violation: no hash, email or username; the code and the key remain', async () => {
    await database.db.insert(users).values(row('taken@example.com', 'first_holder'));
    const line = await loggedLine(database.db.insert(users).values(row('taken@example.com', 'second_claimant')));
    for (const value of ['$argon2id$', passwordHash, 'taken@example.com', 'second_claimant']) expect(line).not.toContain(value);
    const logged = JSON.parse(line) as { level: number; err: { database: unknown; message: string; stack: string } };
    expect(logged.level).toBe(50);
    expect(logged.err.database).toEqual({ code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' });
    expect(logged.err.message).toMatch(/Failed query: insert into `users`[\s\S]*Duplicate entry '\[redacted\]' for key 'users_email_uq'/);
    expect(logged.err.stack).toContain('    at ');
  });

  it('a value too long for its column, wrapped in an app error: the column remains', async () => {
    const error = database.db
      .insert(users)
      .values(row('long@example.com', 'x'.repeat(40)))
      .catch((cause: unknown) => {
        throw new AppError('UNAVAILABLE', 'The server is busy; try again', { cause });
      });
    const line = await loggedLine(error);
    for (const value of ['$argon2id$', 'long@example.com', 'x'.repeat(40)]) expect(line).not.toContain(value);
    const logged = JSON.parse(line) as { err: { code: string; database: { code: string }; message: string } };
    expect(logged.err).toMatchObject({ code: 'UNAVAILABLE', database: { code: 'ER_DATA_TOO_LONG' } });
    expect(logged.err.message).toContain("Data too long for column 'username'");
  });

  it('a statement mysql2 sent with its values inlined: neither its sql nor the quoted statement are logged', async () => {
    const line = await loggedLine(database.db.$client.query('SELECT FROM WHERE ?', ['inlined-secret-value']));
    expect(line).not.toContain('inlined-secret-value');
    expect(line).toContain('ER_PARSE_ERROR');
    expect(line).toContain("near '[redacted]' at line 1");
  });
});
