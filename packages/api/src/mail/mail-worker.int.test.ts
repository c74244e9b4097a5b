import { closeDb, createDb, mailOutbox, type TMailOutboxRow } from '@chorus/db';
import { createTestDatabase, startFakeResend, type FakeResend, type TestDatabase } from '@chorus/testing';
import { TransactionRollbackError } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../kernel';
import { createResendDriver } from './drivers';
import { startMailWorker, type MailWorker, type MailWorkerOptions } from './mail-worker';
import { enqueueMail } from './outbox.service';

type LogLine = Record<string, unknown> & { level: number; msg: string };

function memoryLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

let database: TestDatabase;
let fake: FakeResend;
const workers: MailWorker[] = [];
const FROM = 'Chorus <no-reply@chorus.test>';

function worker(options: Partial<MailWorkerOptions> & { apiKey?: string; logger?: pino.Logger; db?: TestDatabase['db'] } = {}) {
  const { apiKey = fake.apiKey, logger = pino({ level: 'silent' }), db = database.db, ...rest } = options;
  const driver = createResendDriver({ apiKey, baseUrl: fake.url, timeoutMs: 2_000 });
  const started = startMailWorker({ db, logger, clock: systemClock }, { driver, from: FROM, pollMs: 10, backoff: { baseMs: 10, maxMs: 40 }, ...rest });
  workers.push(started);
  return started;
}

const rows = () => database.db.select().from(mailOutbox);
const enqueueCode = (to: string, code = '482913') =>
  enqueueMail({ db: database.db }, { to, template: 'verifyEmail', locale: 'en', data: { code, minutes: 10 } });

beforeAll(async () => {
  database = await createTestDatabase();
});
beforeEach(async () => {
  fake = await startFakeResend();
  await database.db.delete(mailOutbox);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await fake.stop();
});
afterAll(async () => {
  await database?.drop();
});

describe('mail worker', () => {
  it('delivers a mail enqueued in a transaction as soon as woken, then clears its bodies', async () => {
    // A poll far beyond the test's deadline: only wake() can bring the mail out in time.
    const idle = worker({ pollMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await database.db.transaction(async (tx) => {
      await enqueueMail({ db: tx }, { to: 'ada@example.com', template: 'verifyEmail', locale: 'zh-CN', data: { code: '551177', minutes: 10 } });
    });
    // Rolled back with its cause: no row, so no mail.
    await database.db
      .transaction(async (tx) => {
        await enqueueMail({ db: tx }, { to: 'ghost@example.com', template: 'passwordChanged', data: {} });
        tx.rollback();
      })
      .catch((error: unknown) => expect(error).toBeInstanceOf(TransactionRollbackError));

    idle.wake();
    const message = await fake.waitForMessage((m) => m.to.includes('ada@example.com'), 2_000);
    expect(message).toMatchObject({ from: FROM, subject: '你的 Chorus 验证码' });
    expect(fake.extractCode(message)).toBe('551177');
    expect(message.html).toContain('551177');

    const [row] = await until(async () => {
      const all = await rows();
      return all[0]?.status === 'sent' && all;
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 1, providerMessageId: message.id, textBody: '', htmlBody: null, lockedUntil: null });
    expect(row!.sentAt).toBeInstanceOf(Date);
    expect(await rows()).toHaveLength(1);
  });

  it('retries provider failures with backoff, logging the reason but never the body', async () => {
    const { logger, lines } = memoryLogger();
    fake.failNext(2, 500);
    await enqueueCode('bob@example.com', '730194');
    worker({ logger });

    const message = await fake.waitForMessage();
    expect(fake.extractCode(message)).toBe('730194');
    const row = await until(async () => (await rows()).find((r) => r.status === 'sent'));
    expect(row).toMatchObject({ attempts: 3, textBody: '' });
    expect(row.lastError).toContain('500 internal_server_error');
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 200]);

    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings.map((w) => w.reason)).toEqual([expect.stringContaining('500'), expect.stringContaining('500')]);
    expect(warnings.map((w) => w.attempt)).toEqual([1, 2]);
    const logText = JSON.stringify(lines);
    expect(logText).not.toContain('730194');
    expect(logText).not.toContain('verify your email');
    expect(logText).not.toContain(fake.apiKey);
  });

  it('gives up after maxAttempts: the mail is dead, its bodies gone, an error logged', async () => {
    const { logger, lines } = memoryLogger();
    fake.failNext(100, 503);
    await enqueueCode('cy@example.com');
    worker({ logger, maxAttempts: 3 });

    const row = await until(async () => (await rows()).find((r) => r.status === 'dead'));
    expect(row).toMatchObject({ attempts: 3, textBody: '', htmlBody: null, lockedUntil: null });
    expect(fake.messages).toHaveLength(0);
    expect(lines.filter((line) => line.level === 50)).toEqual([expect.objectContaining({ mailId: row.id, attempt: 3 })]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests).toHaveLength(3);
  });

  it('never sends one mail twice when two instances race for the same rows', async () => {
    const count = 30;
    for (let i = 0; i < count; i++) await enqueueCode(`user${i}@example.com`);
    const otherDb = createDb(database.url, { poolSize: 5 });
    try {
      const a = memoryLogger();
      const b = memoryLogger();
      const first = worker({ batchSize: 4, logger: a.logger });
      const second = worker({ batchSize: 4, logger: b.logger, db: otherDb });
      await Promise.all([first.drainOnce(), second.drainOnce(), first.drainOnce(), second.drainOnce()]);
      await until(async () => (await rows()).every((r: TMailOutboxRow) => r.status === 'sent'));
      await Promise.all(workers.splice(0).map((w) => w.stop()));

      const recipients = fake.messages.map((m) => m.to[0]);
      expect(new Set(recipients).size).toBe(count);
      expect(recipients).toHaveLength(count);
      expect(fake.requests.filter((r) => r.status === 200)).toHaveLength(count);
      const sentBy = [a, b].map((log) => log.lines.filter((line) => line.msg === 'mail sent').length);
      expect(sentBy[0]! + sentBy[1]!).toBe(count);
      expect(sentBy.every((n) => n > 0)).toBe(true);
    } finally {
      await closeDb(otherDb);
    }
  });

  it('keeps mail rejected for a wrong API key and delivers it once the key is fixed', async () => {
    const { logger, lines } = memoryLogger();
    const wrongKey = 're_wrong_0000000000000000';
    await enqueueCode('dee@example.com');
    const broken = worker({ apiKey: wrongKey, logger });

    const failing = await until(async () => (await rows()).find((r) => r.attempts >= 2));
    expect(failing).toMatchObject({ status: 'pending' });
    expect(failing.lastError).toContain('403 invalid_api_key');
    await broken.stop();
    expect(JSON.stringify(lines)).not.toContain(wrongKey);
    expect(fake.messages).toHaveLength(0);

    worker();
    await fake.waitForMessage((m) => m.to.includes('dee@example.com'));
    expect(await until(async () => (await rows()).find((r) => r.status === 'sent'))).toMatchObject({ textBody: '' });
  });

  it('survives a database it cannot reach, logging each failed pass', async () => {
    const { logger, lines } = memoryLogger();
    const unreachable = createDb(database.url.replace(/\/[^/]+$/, '/chorus_no_such_db'), { poolSize: 1 });
    try {
      worker({ logger, db: unreachable });
      await until(async () => lines.filter((line) => line.msg === 'mail worker pass failed; retrying').length >= 3);
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    } finally {
      await closeDb(unreachable);
    }
  });
});
