import { createTestClient, failure, startTestServer, TEST_PASSWORD, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const logs: string[] = [];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ captureLogs: logs, appConfig: { rateLimits: { registerPerIp: { points: 100, seconds: 3600 } } } });
  // Every sign-up's insert (which carries the password hash) now fails inside the database.
  await server.deps.db.$client.query(
    "CREATE TRIGGER users_refuse_inserts BEFORE INSERT ON users FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'inserts refused'",
  );
});
afterAll(async () => {
  await server?.stop();
});

describe('a failed query in a procedure', () => {
  it('is logged with its error but none of its values', async () => {
    const input = { email: 'hash.owner@example.com', username: 'hash_owner', password: TEST_PASSWORD };
    expect(await failure(createTestClient(server.url).auth.register.mutate(input))).toBe('INTERNAL');

    const text = logs.join('');
    for (const value of ['$argon2id$', input.email, input.username, input.password]) expect(text).not.toContain(value);
    const errors = logs
      .map((line) => JSON.parse(line) as { level: number; err?: { message: string; database?: { code: string } } })
      .filter((line) => line.level >= 50);
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) {
      expect(line.err?.database?.code).toBe('ER_SIGNAL_EXCEPTION');
      expect(line.err?.message).toMatch(/Failed query: insert into `users`[\s\S]*params: \[redacted\][\s\S]*inserts refused/);
    }
  });
});
