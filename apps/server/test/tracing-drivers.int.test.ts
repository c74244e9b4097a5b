import { contextWithSpan } from '@chorus/api';
import { closeDb, createDb, type Db } from '@chorus/db';
import type { LocalService } from '@chorus/local-services';
import { createRedis, startTracing, type Tracing } from '@chorus/runtime';
import { createTestDatabase, startOtlpReceiver, startTestRedis, type OtlpReceiver, type TestDatabase } from '@chorus/testing';
import { context, ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Query and command spans come from mysql2's and ioredis's tracing channels (real MariaDB and
// Redis): under the call that made them, and only under a traced call.
let receiver: OtlpReceiver;
let database: TestDatabase;
let redisService: LocalService;
let tracing: Tracing;
let db: Db;
let redis: ReturnType<typeof createRedis>;

beforeAll(async () => {
  [receiver, database, redisService] = await Promise.all([startOtlpReceiver(), createTestDatabase(), startTestRedis()]);
  tracing = startTracing({ endpoint: receiver.url, sampleRatio: 1, exportDelayMs: 50 });
  // One connection: concurrent queries wait in the pool's queue for it.
  db = createDb(database.url, { poolSize: 1 });
  redis = createRedis(redisService.url, pino({ level: 'silent' }));
});
afterAll(async () => {
  await tracing?.shutdown();
  redis?.disconnect();
  if (db) await closeDb(db);
  await Promise.all([database?.drop(), redisService?.stop(), receiver?.close()]);
});

/** Runs `work` as a traced call would: inside a span, with the tracer in the context. */
async function asCall(name: string, work: () => Promise<unknown>): Promise<Span> {
  const span = tracing.tracer.startSpan(name);
  await context.with(contextWithSpan(ROOT_CONTEXT, span, tracing.tracer), work);
  span.end();
  return span;
}

const childrenOf = (span: Span) => receiver.spans.filter((candidate) => candidate.parentSpanId === span.spanContext().spanId);

describe('driver spans', () => {
  it("a query that waited for a pool connection is still its own call's child", async () => {
    const calls = await Promise.all(['first', 'second', 'third'].map((name) => asCall(name, () => db.$client.query('SELECT SLEEP(0.1)'))));
    await tracing.flush();
    for (const call of calls) {
      expect(childrenOf(call).map((span) => [span.name, span.kind, span.attributes['db.operation.name']])).toEqual([
        [`SELECT ${new URL(database.url).pathname.slice(1)}`, 3, 'SELECT'],
      ]);
    }
  });

  it('Redis commands and a failed query: named by operation, error status with the code only', async () => {
    const call = await asCall('commands', async () => {
      await redis.set('chorus:test:secret-key', 'secret-value');
      await db.$client.query("SELECT * FROM no_such_table WHERE x = 'secret-value'").catch(() => null);
    });
    await tracing.flush();
    const children = childrenOf(call);
    expect(children.find((span) => span.name === 'SET')).toMatchObject({ attributes: { 'db.system.name': 'redis', 'db.operation.name': 'SET' } });
    expect(children.find((span) => span.attributes['db.system.name'] === 'mysql')).toMatchObject({ status: { code: 2, message: 'ER_NO_SUCH_TABLE' } });
    expect(JSON.stringify(children)).not.toMatch(/secret/);
  });

  it('no spans outside a traced call', async () => {
    const before = receiver.spans.length;
    await db.$client.query('SELECT 1');
    await redis.get('chorus:test:secret-key');
    await tracing.flush();
    expect(receiver.spans.length).toBe(before);
  });
});
