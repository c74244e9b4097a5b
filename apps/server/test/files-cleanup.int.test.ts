// Abandoned uploads are deleted (row and bytes) by one instance per period; so are stored
// uploads, finished or not, that have no row any more. Runs on local disk and on S3 (through a
// pass-through proxy, which can abort a multipart upload just before the cleanup does).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runFileCleanupIfDue } from '@chorus/api';
import { files } from '@chorus/db';
import {
  createTusUpload,
  patchTusUpload,
  sharedS3Server,
  startMailedTestServer,
  startS3Proxy,
  startTestServer,
  testFilesDriver,
  uploadWithTus,
  type MailedTestServer,
  type S3Proxy,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOUR = 3600 * 1000;
let a: MailedTestServer;
let second: TestServer;
let ann: TestAccount;
let proxy: S3Proxy | undefined;

beforeAll(async () => {
  // The servers' own cleanup job runs once a day: the hourly runs below are the first of their period.
  const jobs = { fileCleanup: { everyMs: 24 * HOUR } };
  let s3;
  if (testFilesDriver() === 's3') {
    const server = await sharedS3Server();
    proxy = await startS3Proxy(server.endpoint);
    s3 = { ...server.settings(), endpoint: proxy.endpoint };
  }
  a = await startMailedTestServer({ files: { abandonedMs: HOUR, s3 }, jobs });
  // A second instance on the same database, Redis and storage.
  const shared = { storage: a.server.deps.files.storage, abandonedMs: HOUR };
  second = await startTestServer({ database: a.server.database, redisUrl: a.server.redisService!.url, files: shared, jobs });
  ann = await a.accounts.register('ann');
});
afterAll(async () => {
  await second?.stop();
  await a?.stop();
  await proxy?.stop();
});

async function startUpload(bytes: number): Promise<{ url: string; fileId: string }> {
  const created = await createTusUpload(a.server.url, { token: ann.token, length: 100, metadata: { filename: 'part.bin' } });
  const url = new URL(created.headers.get('location')!, a.server.url).toString();
  expect((await patchTusUpload(url, { token: ann.token, offset: 0, body: Buffer.alloc(bytes, 1) })).status).toBe(204);
  return { url, fileId: url.split('/').pop()! };
}

describe('file cleanup', () => {
  it('deletes uploads unfinished past the age, and stored uploads without a row, in one of two concurrent runs', async () => {
    const { db } = a.server.deps;
    const storage = a.server.deps.files.storage;
    const abandoned = await startUpload(40);
    const recent = await startUpload(40);
    const finished = await uploadWithTus(a.server.url, Buffer.from('keep me'), { token: ann.token, filename: 'keep.txt' });
    // Uploads left behind by a deleted owner (no row): one unfinished, one complete.
    const unfinishedOrphan = await startUpload(30);
    const finishedOrphan = await uploadWithTus(a.server.url, Buffer.from('lost'), { token: ann.token, filename: 'lost.txt' });
    await db.delete(files).where(inArray(files.id, [unfinishedOrphan.fileId, finishedOrphan.fileId]));
    // The cleanup runs two hours from now: what is stored now has been untouched for longer
    // than the hour allowed, and so have the rows, except the recent one's.
    const later = { now: () => new Date(Date.now() + 2 * HOUR) };
    await db.update(files).set({ createdAt: later.now() }).where(eq(files.id, recent.fileId));
    expect(await storage.uploadedBytes(abandoned.fileId)).toBe(40);
    expect(await storage.uploadedBytes(unfinishedOrphan.fileId)).toBe(30);

    const config = { everyMs: HOUR, batchSize: 1 };
    const runs = await Promise.all([
      runFileCleanupIfDue({ ...a.server.deps, clock: later }, config),
      runFileCleanupIfDue({ ...second.deps, clock: later }, config),
    ]);
    expect(runs.filter((result) => result === null)).toHaveLength(1);
    expect(runs.find((result) => result !== null)).toBe(1);

    const left = await db.select({ id: files.id, status: files.status }).from(files).where(eq(files.ownerId, ann.id));
    expect(left.map((row) => row.id).sort()).toEqual([recent.fileId, finished.fileId].sort());
    for (const gone of [abandoned, unfinishedOrphan, finishedOrphan]) expect(await storage.uploadedBytes(gone.fileId)).toBeNull();
    // Nothing of theirs is left: no bytes, no tus bookkeeping, no unfinished multipart upload.
    expect((await storage.listUploads()).map((upload) => upload.id).sort()).toEqual([recent.fileId, finished.fileId].sort());
    expect(await storage.uploadedBytes(recent.fileId)).toBe(40);
    expect((await storage.stat(`uploads/${finished.fileId}`))!.size).toBe(7);

    // The client of the deleted upload learns it is gone; the others carry on.
    const head = await fetch(abandoned.url, { method: 'HEAD', headers: { authorization: `Bearer ${ann.token}`, 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(404);
    expect((await patchTusUpload(recent.url, { token: ann.token, offset: 40, body: Buffer.alloc(60, 2) })).status).toBe(204);
    expect((await ann.client.files.get.query({ fileId: recent.fileId })).status).toBe('ready');
    expect(await (await fetch(`${a.server.url}/files/${finished.fileId}`, { headers: { authorization: `Bearer ${ann.token}` } })).text()).toBe('keep me');

    // Within the same period, nobody runs it again.
    const again = [runFileCleanupIfDue({ ...a.server.deps, clock: later }, config), runFileCleanupIfDue({ ...second.deps, clock: later }, config)];
    expect(await Promise.all(again)).toEqual([null, null]);
  });

  it('goes on past a file whose removal fails, logs it, and removes it once it can', async () => {
    const { db } = a.server.deps;
    const storage = a.server.deps.files.storage;
    const [stuck, abandoned, orphan] = [await startUpload(20), await startUpload(20), await startUpload(20)];
    await db.delete(files).where(eq(files.id, orphan.fileId));
    if (storage.driver === 's3') {
      // Its multipart upload is aborted (or completed) by someone else between the cleanup's
      // listing and its abort: S3 answers NoSuchUpload, which means done.
      proxy!.abortFirst(`uploads/${stuck.fileId}`);
    } else {
      // Local disk: tus's bookkeeping file replaced by a folder, which the removal refuses.
      const info = join(storage.uploadsDir!, `${stuck.fileId}.json`);
      await rm(info);
      await mkdir(join(info, 'inside'), { recursive: true });
    }
    const logged: Array<{ msg: string; fileId?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string; fileId?: string }) });
    const config = { everyMs: HOUR, batchSize: 200 };
    const later = (hours: number) => ({ now: () => new Date(Date.now() + hours * HOUR) });

    expect(await runFileCleanupIfDue({ ...a.server.deps, logger, clock: later(4) }, config)).toBe(2);
    const rows = await db
      .select({ id: files.id })
      .from(files)
      .where(inArray(files.id, [stuck.fileId, abandoned.fileId]));
    expect(rows).toEqual([]);
    for (const gone of [abandoned, orphan]) expect(await storage.uploadedBytes(gone.fileId)).toBeNull();
    if (storage.driver === 's3') {
      expect(await storage.uploadedBytes(stuck.fileId)).toBeNull();
      expect(logged).toEqual([]);
      return;
    }
    // Tried in the abandoned pass and again as an orphan; logged with its id each time.
    expect(await storage.uploadedBytes(stuck.fileId)).toBe(20);
    expect(logged.map((entry) => [entry.msg, entry.fileId])).toEqual([
      ['could not remove a stored file; the next run retries', stuck.fileId],
      ['could not remove a stored file; the next run retries', stuck.fileId],
    ]);
    // Once the storage lets it go, the next run's orphan sweep removes it.
    await rm(join(storage.uploadsDir!, `${stuck.fileId}.json`), { recursive: true });
    expect(await runFileCleanupIfDue({ ...a.server.deps, logger, clock: later(5) }, config)).toBe(0);
    expect(await storage.uploadedBytes(stuck.fileId)).toBeNull();
    expect((await storage.listUploads()).map((upload) => upload.id)).not.toContain(stuck.fileId);
  });
});
