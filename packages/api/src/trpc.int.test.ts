import { users } from '@chorus/db';
import { createTestDatabase, startTestRedis, type TestDatabase } from '@chorus/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from './auth/session.service';
import { createContextInner } from './context';
import { createAppDeps } from './app-deps';
import type { AppDeps } from './deps';
import { adminProcedure, authedProcedure, createCallerFactory, publicProcedure, router } from './trpc';

// The procedure builders every domain router uses, exercised on a router made for this test.
const probeRouter = router({
  whoami: publicProcedure.query(({ ctx }) => ctx.session?.user.username ?? null),
  mine: authedProcedure.query(({ ctx }) => ctx.user.id),
  admin: adminProcedure.query(() => 'ok'),
});
const createCaller = createCallerFactory(probeRouter);

let database: TestDatabase;
let deps: AppDeps & { close(): Promise<void> };
let redis: Awaited<ReturnType<typeof startTestRedis>>;
const tokens: Record<'user' | 'admin', string> = { user: '', admin: '' };

beforeAll(async () => {
  database = await createTestDatabase();
  // Never connected: these procedures do not touch Redis.
  redis = await startTestRedis();
  deps = await createAppDeps({ db: database.db, redis: new Redis(redis.url), logger: pino({ level: 'silent' }) });
  for (const role of ['user', 'admin'] as const) {
    const [row] = await database.db.insert(users).values({ username: `${role}1`, displayName: role, role });
    tokens[role] = (await createSession(deps, row.insertId)).token;
  }
});
afterAll(async () => {
  await deps?.close();
  deps?.redis.disconnect();
  await redis?.stop();
  await database?.drop();
});

const caller = async (token: string | null) =>
  createCaller(await createContextInner({ deps, sessionToken: token, request: { transport: 'internal', requestId: 'test', ip: null, userAgent: null } }));

describe('procedure builders', () => {
  it('publicProcedure serves anyone and sees the session when there is one', async () => {
    expect(await (await caller(null)).whoami()).toBeNull();
    expect(await (await caller(tokens.user)).whoami()).toBe('user1');
  });

  it('authedProcedure refuses calls without a valid session with UNAUTHORIZED', async () => {
    await expect((await caller(null)).mine()).rejects.toMatchObject({ cause: { code: 'UNAUTHORIZED' } });
    await expect((await caller(`${tokens.user}x`)).mine()).rejects.toMatchObject({ cause: { code: 'UNAUTHORIZED' } });
    expect(typeof (await (await caller(tokens.user)).mine())).toBe('number');
  });

  it('adminProcedure refuses non-admins with FORBIDDEN', async () => {
    await expect((await caller(tokens.user)).admin()).rejects.toMatchObject({ cause: { code: 'FORBIDDEN' } });
    await expect((await caller(null)).admin()).rejects.toMatchObject({ cause: { code: 'UNAUTHORIZED' } });
    expect(await (await caller(tokens.admin)).admin()).toBe('ok');
  });
});
