// Files in an S3-compatible bucket (a local S3 server speaking the real protocol): the server
// process's configuration (bucket created at start, refused credentials, missing settings),
// uploads resumed after a restart, Range and ETag, and multipart uploads left behind cleaned up.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalService } from '@chorus/local-services';
import { runFileCleanupIfDue } from '@chorus/api';
import { files } from '@chorus/db';
import {
  createTestDatabase,
  createTusUpload,
  patchTusUpload,
  sha256,
  startMailedTestServer,
  startS3Proxy,
  startS3Server,
  startTestRedis,
  uploadWithTus,
  type MailedTestServer,
  type TestAccount,
  type TestDatabase,
  type TestS3Server,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServerChild, spawnServerProcess } from './server-process';

let s3: TestS3Server;
let database: TestDatabase;
let redis: LocalService;

beforeAll(async () => {
  [s3, database, redis] = await Promise.all([startS3Server(), createTestDatabase(), startTestRedis()]);
});
afterAll(async () => {
  await Promise.all([s3?.stop(), database?.drop(), redis?.stop()]);
});

const bucketExists = (bucket: string) =>
  stat(join(s3.directory, bucket)).then(
    (info) => info.isDirectory(),
    () => false,
  );
/** Multipart uploads the S3 server holds for a bucket (s3rver keeps one folder per upload). */
const multipartUploadsIn = async (bucket: string) => (await readdir(join(s3.directory, bucket, '._S3rver_uploads')).catch(() => [] as string[])).length;

function s3Env(bucket: string, overrides: Record<string, string> = {}): Record<string, string> {
  const settings = s3.settings(bucket);
  return {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    FILES_STORAGE: 's3',
    S3_ENDPOINT: settings.endpoint!,
    S3_BUCKET: bucket,
    S3_REGION: settings.region,
    S3_ACCESS_KEY_ID: settings.accessKeyId,
    S3_SECRET_ACCESS_KEY: settings.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    ...overrides,
  };
}

describe('S3 configuration of the server process', () => {
  it('creates a missing bucket at start, and logs where files go without the secret', async () => {
    expect(await bucketExists('chorus-created')).toBe(false);
    const server = await spawnServerProcess(s3Env('chorus-created'));
    try {
      expect(await bucketExists('chorus-created')).toBe(true);
      const line = server.lines.find((entry) => entry.msg === 'files stored in S3');
      expect(line).toMatchObject({ bucket: 'chorus-created', endpoint: s3.endpoint, forcePathStyle: true });
      expect(JSON.stringify(server.lines) + server.stderr()).not.toContain(s3.settings().secretAccessKey + '"');
    } finally {
      await server.stop();
    }
  });

  it('refuses to start when S3 refuses the credentials, saying so without the secret', async () => {
    // s3rver checks the access key (not V4 signatures): an unknown key is refused as S3 would.
    const secret = 'not-the-secret-0123456789abcdef';
    const server = spawnServerChild(s3Env('chorus-refused', { S3_ACCESS_KEY_ID: 'AKIDUNKNOWN', S3_SECRET_ACCESS_KEY: secret }));
    expect(await server.exited).toBe(1);
    const fatal = JSON.stringify(server.lines.find((line) => line.msg === 'server failed to start'));
    expect(fatal).toContain('S3 refused access to bucket \\"chorus-refused\\" (HTTP 403');
    expect(JSON.stringify(server.lines) + server.stderr()).not.toContain(secret);
    expect(await bucketExists('chorus-refused')).toBe(false);
  });

  it('names each missing S3 setting', async () => {
    const server = spawnServerChild(s3Env('chorus-unset', { S3_BUCKET: '', S3_ACCESS_KEY_ID: '' }));
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('S3_BUCKET: S3_BUCKET is required with FILES_STORAGE=s3');
    expect(server.stderr()).toContain('S3_ACCESS_KEY_ID: S3_ACCESS_KEY_ID is required with FILES_STORAGE=s3');
  });
});

describe('uploads and downloads on S3', () => {
  const bucket = 'chorus-files';
  let a: MailedTestServer;
  let ann: TestAccount;
  const auth = () => ({ authorization: `Bearer ${ann.token}` });

  beforeAll(async () => {
    a = await startMailedTestServer({ database, redisUrl: redis.url, files: { s3: s3.settings(bucket) } });
    ann = await a.accounts.register('ann');
  });
  afterAll(async () => {
    await a?.stop();
  });

  it('serves byte ranges and answers If-None-Match from the stored object', async () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const { fileId } = await uploadWithTus(a.server.url, data, { token: ann.token, filename: 'bytes.bin' });
    const full = await fetch(`${a.server.url}/files/${fileId}`, { headers: auth() });
    const etag = full.headers.get('etag')!;
    expect(etag).toBe(`"${sha256(data)}"`);
    await full.arrayBuffer();

    const middle = await fetch(`${a.server.url}/files/${fileId}`, { headers: { ...auth(), range: 'bytes=1000-1999' } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe('bytes 1000-1999/5000');
    expect(Buffer.from(await middle.arrayBuffer()).equals(data.subarray(1000, 2000))).toBe(true);
    const tail = await fetch(`${a.server.url}/files/${fileId}`, { headers: { ...auth(), range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(4990))).toBe(true);
    const resumed = await fetch(`${a.server.url}/files/${fileId}`, { headers: { ...auth(), range: 'bytes=4000-', 'if-range': etag } });
    expect(resumed.status).toBe(206);
    expect(Buffer.from(await resumed.arrayBuffer()).equals(data.subarray(4000))).toBe(true);

    const unchanged = await fetch(`${a.server.url}/files/${fileId}`, { headers: { ...auth(), 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    const outside = await fetch(`${a.server.url}/files/${fileId}`, { headers: { ...auth(), range: 'bytes=6000-7000' } });
    expect(outside.status).toBe(416);
  });

  it('stores an empty file, finished at creation as tus finishes it', async () => {
    const created = await createTusUpload(a.server.url, { token: ann.token, length: 0, metadata: { filename: 'empty.txt' } });
    expect(created.status).toBe(201);
    const fileId = created.headers.get('location')!.split('/').pop()!;
    expect(await ann.client.files.get.query({ fileId })).toMatchObject({ status: 'ready', size: 0 });
    const download = await fetch(`${a.server.url}/files/${fileId}`, { headers: auth() });
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(0);
    expect(await multipartUploadsIn(bucket)).toBe(0);
  });

  it('aborts the multipart upload of an abandoned upload, and deletes a deleted file’s objects', async () => {
    const HOUR = 3600 * 1000;
    const created = await createTusUpload(a.server.url, { token: ann.token, length: 100, metadata: { filename: 'left.bin' } });
    const fileId = created.headers.get('location')!.split('/').pop()!;
    await patchTusUpload(`${a.server.url}/files/${fileId}`, { token: ann.token, offset: 0, body: Buffer.alloc(40, 1) });
    expect(await multipartUploadsIn(bucket)).toBe(1);
    await a.server.deps.db
      .update(files)
      .set({ createdAt: new Date(Date.now() - 48 * HOUR) })
      .where(eq(files.id, fileId));
    const later = { now: () => new Date(Date.now() + 48 * HOUR) };
    expect(await runFileCleanupIfDue({ ...a.server.deps, clock: later }, { everyMs: HOUR, batchSize: 10 })).toBe(1);
    expect(await multipartUploadsIn(bucket)).toBe(0);
    expect((await a.server.deps.files.storage.listUploads()).map((upload) => upload.id)).not.toContain(fileId);

    const { fileId: photo } = await uploadWithTus(a.server.url, Buffer.from('soon gone'), { token: ann.token, filename: 'gone.txt' });
    expect(await a.server.deps.files.storage.stat(`uploads/${photo}`)).not.toBeNull();
    await ann.client.files.delete.mutate({ fileId: photo });
    expect(await a.server.deps.files.storage.stat(`uploads/${photo}`)).toBeNull();
    expect((await a.server.deps.files.storage.listUploads()).map((upload) => upload.id)).not.toContain(photo);
  });

  it('resumes an upload on a restarted instance, from the bytes the bucket holds', async () => {
    expect(a.server.deps.files.storage.driver).toBe('s3');
    const data = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300 * 1024, 3)]);
    const created = await createTusUpload(a.server.url, { token: ann.token, length: data.length, metadata: { filename: 'doc.pdf' } });
    const fileId = created.headers.get('location')!.split('/').pop()!;
    expect((await patchTusUpload(`${a.server.url}/files/${fileId}`, { token: ann.token, offset: 0, body: data.subarray(0, 1000) })).status).toBe(204);
    expect(await multipartUploadsIn(bucket)).toBe(1);

    // The instance goes away; a new one on the same database, Redis and bucket takes the client.
    await a.stop();
    a = await startMailedTestServer({ database, redisUrl: redis.url, files: { s3: s3.settings(bucket) } });
    const head = await fetch(`${a.server.url}/files/${fileId}`, { method: 'HEAD', headers: { ...auth(), 'Tus-Resumable': '1.0.0' } });
    expect(head.headers.get('upload-offset')).toBe('1000');
    const offsets: number[] = [];
    await uploadWithTus(a.server.url, data, { token: ann.token, uploadUrl: `${a.server.url}/files/${fileId}`, patchOffsets: offsets });
    expect(offsets).toEqual([1000]);
    const download = await fetch(`${a.server.url}/files/${fileId}`, { headers: auth() });
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(data));
    expect(await multipartUploadsIn(bucket)).toBe(0);
  });
});

describe('connections to the bucket', () => {
  it('are all closed when the server stops, tus’s own included', async () => {
    const proxy = await startS3Proxy(s3.endpoint);
    try {
      const server = await startMailedTestServer({ database, redisUrl: redis.url, files: { s3: { ...s3.settings(), endpoint: proxy.endpoint } } });
      const cal = await server.accounts.register('cal');
      // The upload goes through tus's store, the download through the files code: two clients.
      const { fileId } = await uploadWithTus(server.server.url, Buffer.from('hello'), { token: cal.token, filename: 'hello.txt' });
      const download = await fetch(`${server.server.url}/files/${fileId}`, { headers: { authorization: `Bearer ${cal.token}` } });
      expect(await download.text()).toBe('hello');
      expect(await proxy.openConnections()).toBeGreaterThan(0);
      await server.stop();
      // Idle keep-alive connections would stay until the server side times them out (seconds).
      const deadline = Date.now() + 1_000;
      while ((await proxy.openConnections()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await proxy.openConnections()).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});
