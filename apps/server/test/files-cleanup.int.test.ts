// Abandoned uploads are deleted (row and bytes) by one instance per period.
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { runFileCleanupIfDue } from '@chorus/api';
import { files } from '@chorus/db';
import {
  createTusUpload,
  patchTusUpload,
  startMailedTestServer,
  startTestServer,
  uploadWithTus,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOUR = 3600 * 1000;
let a: MailedTestServer;
let second: TestServer;
let ann: TestAccount;

beforeAll(async () => {
  // The servers' own cleanup job runs once a day: the hourly runs below are the first of their period.
  const jobs = { fileCleanup: { everyMs: 24 * HOUR } };
  a = await startMailedTestServer({ files: { abandonedMs: HOUR }, jobs });
  // A second instance on the same database, Redis and storage.
  const shared = { storage: a.server.deps.files.storage, abandonedMs: HOUR };
  second = await startTestServer({ database: a.server.database, redisUrl: a.server.redisService!.url, files: shared, jobs });
  ann = await a.accounts.register('ann');
});
afterAll(async () => {
  await second?.stop();
  await a?.stop();
});

async function startUpload(bytes: number): Promise<{ url: string; fileId: string }> {
  const created = await createTusUpload(a.server.url, { token: ann.token, length: 100, metadata: { filename: 'part.bin' } });
  const url = new URL(created.headers.get('location')!, a.server.url).toString();
  expect((await patchTusUpload(url, { token: ann.token, offset: 0, body: Buffer.alloc(bytes, 1) })).status).toBe(204);
  return { url, fileId: url.split('/').pop()! };
}

describe('file cleanup', () => {
  it('deletes uploads unfinished past the age, and stored bytes without a row, in one of two concurrent runs', async () => {
    const { db } = a.server.deps;
    const storage = a.server.deps.files.storage;
    const abandoned = await startUpload(40);
    const recent = await startUpload(40);
    const finished = await uploadWithTus(a.server.url, Buffer.from('keep me'), { token: ann.token, filename: 'keep.txt' });
    const longAgo = new Date(Date.now() - 2 * HOUR);
    await db
      .update(files)
      .set({ createdAt: longAgo })
      .where(inArray(files.id, [abandoned.fileId, finished.fileId]));
    // Bytes left behind by a deleted owner (no row), long untouched.
    const orphan = 'orphan0000000000000000000';
    await storage.writeDerived(`uploads/${orphan}`, Buffer.from('lost'));
    await utimes(join(storage.uploadsDir, orphan), longAgo, longAgo);
    expect((await storage.stat(`uploads/${abandoned.fileId}`))!.size).toBe(40);

    const config = { everyMs: HOUR, batchSize: 1 };
    const runs = await Promise.all([runFileCleanupIfDue(a.server.deps, config), runFileCleanupIfDue(second.deps, config)]);
    expect(runs.filter((result) => result === null)).toHaveLength(1);
    expect(runs.find((result) => result !== null)).toBe(1);

    const left = await db.select({ id: files.id, status: files.status }).from(files).where(eq(files.ownerId, ann.id));
    expect(left.map((row) => row.id).sort()).toEqual([recent.fileId, finished.fileId].sort());
    expect(await storage.stat(`uploads/${abandoned.fileId}`)).toBeNull();
    expect(await storage.stat(`uploads/${abandoned.fileId}.json`)).toBeNull();
    expect(await storage.stat(`uploads/${orphan}`)).toBeNull();
    expect((await storage.stat(`uploads/${recent.fileId}`))!.size).toBe(40);
    expect((await storage.stat(`uploads/${finished.fileId}`))!.size).toBe(7);

    // The client of the deleted upload learns it is gone; the others carry on.
    const head = await fetch(abandoned.url, { method: 'HEAD', headers: { authorization: `Bearer ${ann.token}`, 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(404);
    expect((await patchTusUpload(recent.url, { token: ann.token, offset: 40, body: Buffer.alloc(60, 2) })).status).toBe(204);
    expect((await ann.client.files.get.query({ fileId: recent.fileId })).status).toBe('ready');
    expect(await (await fetch(`${a.server.url}/files/${finished.fileId}`, { headers: { authorization: `Bearer ${ann.token}` } })).text()).toBe('keep me');

    // Within the same period, nobody runs it again.
    expect(await Promise.all([runFileCleanupIfDue(a.server.deps, config), runFileCleanupIfDue(second.deps, config)])).toEqual([null, null]);
  });
});
