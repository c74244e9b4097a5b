// Resumable uploads through tus: interrupted and resumed (by the client, and by a dropped
// connection), limits refused before any byte is stored, and uploads owned by their creator.
import net from 'node:net';
import { files } from '@chorus/db';
import {
  createTusUpload,
  failure,
  noisePng,
  patchTusUpload,
  sha256,
  startMailedTestServer,
  tus,
  uploadWithTus,
  type MailedTestServer,
  type TestAccount,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MiB = 1024 * 1024;
let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer({
    files: { maxFileBytes: 8 * MiB, quotaBytes: 12 * MiB },
    appConfig: { rateLimits: { fileUploadsPerUser: { points: 10, seconds: 60 } } },
  });
  ann = await a.accounts.register('ann');
  ben = await a.accounts.register('ben');
});
afterAll(async () => {
  await a?.stop();
});

const auth = (account: TestAccount) => ({ authorization: `Bearer ${account.token}` });
const download = async (path: string, account: TestAccount) => {
  const response = await fetch(`${a.server.url}${path}`, { headers: auth(account) });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
};
const rowOf = async (fileId: string) => (await a.server.deps.db.select().from(files).where(eq(files.id, fileId)))[0];

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('resumable uploads', () => {
  it('resumes an aborted upload where the server stopped, stores the exact bytes and makes a thumbnail', async () => {
    const png = noisePng(1024, 1024); // about 3 MiB
    const first: number[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const upload = new tus.Upload(png, {
        endpoint: `${a.server.url}/files/`,
        headers: auth(ann),
        chunkSize: 256 * 1024,
        metadata: { filename: 'noise.png', filetype: 'image/png' },
        retryDelays: [],
        onBeforeRequest: (req) => void (req.getMethod() === 'PATCH' && first.push(Number(req.getHeader('Upload-Offset')))),
        onChunkComplete: (_size, accepted) => {
          if (accepted < MiB) return;
          void upload.abort().then(() => resolve(upload.url!));
        },
        onError: reject,
        onSuccess: () => reject(new Error('the upload should have been aborted')),
      });
      upload.start();
    });
    const fileId = url.split('/').pop()!;
    expect(url).toBe(`${a.server.url}/files/${fileId}`);
    expect(fileId).toMatch(/^[\w-]{24}$/);

    // The server kept what it received; the owner sees the progress while the upload waits.
    const head = await fetch(url, { method: 'HEAD', headers: { ...auth(ann), 'Tus-Resumable': '1.0.0' } });
    const stored = Number(head.headers.get('upload-offset'));
    expect(stored).toBeGreaterThanOrEqual(MiB);
    expect(stored).toBeLessThan(png.length);
    expect(first[0]).toBe(0);
    const waiting = await until(
      () => ann.client.files.get.query({ fileId }),
      (view) => view.receivedBytes === stored,
    );
    expect(waiting).toMatchObject({
      id: fileId,
      name: 'noise.png',
      size: png.length,
      receivedBytes: stored,
      status: 'uploading',
      mimeType: null,
      ownerId: ann.id,
    });
    expect((await download(`/files/${fileId}`, ann)).response.status).toBe(404);

    const resumed: number[] = [];
    const progress: number[] = [];
    await uploadWithTus(a.server.url, png, {
      token: ann.token,
      uploadUrl: url,
      chunkSize: 256 * 1024,
      patchOffsets: resumed,
      onProgress: (sent) => progress.push(sent),
    });
    expect(resumed[0]).toBe(stored);
    expect(Math.min(...progress)).toBe(stored); // progress starts where the server stopped, not at 0

    const view = await ann.client.files.get.query({ fileId });
    expect(view).toMatchObject({
      status: 'ready',
      size: png.length,
      receivedBytes: png.length,
      mimeType: 'image/png',
      width: 1024,
      height: 1024,
      hasThumbnail: true,
    });
    expect(view.completedAt).toBeInstanceOf(Date);
    const { response, bytes } = await download(`/files/${fileId}`, ann);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(sha256(bytes)).toBe(sha256(png));
    expect((await rowOf(fileId))!.sha256).toBe(sha256(png));

    const thumbnail = await download(`/files/${fileId}/thumbnail`, ann);
    expect(thumbnail.response.status).toBe(200);
    expect(thumbnail.response.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(thumbnail.response.headers.get('etag')).not.toBe(response.headers.get('etag'));
  });

  it('resumes after the connection dropped in the middle of a PATCH', async () => {
    const data = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2 * MiB, 7)]);
    const created = await createTusUpload(a.server.url, { token: ann.token, length: data.length, metadata: { filename: 'doc.pdf' } });
    const url = new URL(created.headers.get('location')!, a.server.url).toString();
    const fileId = url.split('/').pop()!;

    // A raw PATCH that declares everything, sends half, and is then reset.
    const half = MiB;
    const socket = net.connect(a.server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write(
      `PATCH /files/${fileId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ann.token}\r\nTus-Resumable: 1.0.0\r\n` +
        `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
    );
    socket.write(data.subarray(0, half));
    // Received by the server (on S3, bytes short of a part are kept back until the request ends).
    await until(
      () => rowOf(fileId),
      (row) => row?.receivedBytes === half,
    );
    socket.resetAndDestroy();

    const offsets: number[] = [];
    await uploadWithTus(a.server.url, data, { token: ann.token, uploadUrl: url, patchOffsets: offsets });
    expect(offsets).toEqual([half]);
    const { bytes } = await download(`/files/${fileId}`, ann);
    expect(sha256(bytes)).toBe(sha256(data));
    expect(await ann.client.files.get.query({ fileId })).toMatchObject({ status: 'ready', mimeType: 'application/pdf', hasThumbnail: false, width: null });
  });

  it('finishes a complete upload whose finishing step never ran when the client asks for its offset', async () => {
    const { url, fileId } = await uploadWithTus(a.server.url, Buffer.from('all bytes are here'), { token: ann.token, filename: 'late.txt' });
    // As if the process died between storing the last byte and finishing the file.
    await a.server.deps.db.update(files).set({ status: 'uploading', mimeType: null, sha256: null, completedAt: null }).where(eq(files.id, fileId));
    expect((await download(`/files/${fileId}`, ann)).response.status).toBe(404);
    const head = await fetch(url, { method: 'HEAD', headers: { ...auth(ann), 'Tus-Resumable': '1.0.0' } });
    expect(head.headers.get('upload-offset')).toBe(head.headers.get('upload-length'));
    expect(await ann.client.files.get.query({ fileId })).toMatchObject({ status: 'ready', mimeType: 'text/plain' });
    expect((await download(`/files/${fileId}`, ann)).bytes.toString()).toBe('all bytes are here');
  });
});

describe('limits and ownership', () => {
  async function uploadsOnDisk(): Promise<string[]> {
    return (await a.server.deps.files.storage.listUploads()).map((upload) => upload.id).sort();
  }

  it('refuses a file over the size limit before storing anything, and deferred lengths', async () => {
    const before = await uploadsOnDisk();
    const refused = await createTusUpload(a.server.url, { token: ben.token, length: 8 * MiB + 1, metadata: { filename: 'big.bin' } });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ appCode: 'FILE_TOO_LARGE', error: expect.stringContaining('8 MiB') as string });
    const deferred = await createTusUpload(a.server.url, { token: ben.token, deferLength: true });
    expect(deferred.status).toBe(400);
    expect(await a.server.deps.db.select().from(files).where(eq(files.ownerId, ben.id))).toEqual([]);
    expect(await uploadsOnDisk()).toEqual(before);

    // tus-js-client reports the refusal with the server's status.
    const error = await uploadWithTus(a.server.url, Buffer.alloc(8 * MiB + 1), { token: ben.token }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(tus.DetailedError);
    expect((error as tus.DetailedError).originalResponse?.getStatus()).toBe(413);
  });

  it('refuses an upload that would exceed the quota, counting uploads in progress at their declared size', async () => {
    const cat = await a.accounts.register('cat');
    const started = await createTusUpload(a.server.url, { token: cat.token, length: 7 * MiB });
    expect(started.status).toBe(201);
    const done = await uploadWithTus(a.server.url, Buffer.alloc(4 * MiB, 1), { token: cat.token, filename: 'four.bin' });
    expect((await cat.client.files.get.query({ fileId: done.fileId })).status).toBe('ready');

    const over = await createTusUpload(a.server.url, { token: cat.token, length: MiB + 1 });
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({
      appCode: 'QUOTA_EXCEEDED',
      error: expect.stringContaining('quota') as string,
      details: { quotaBytes: 12 * MiB, usedBytes: 11 * MiB },
    });
    expect((await createTusUpload(a.server.url, { token: cat.token, length: MiB })).status).toBe(201);

    // Parallel creations cannot slip past the quota together.
    const dan = await a.accounts.register('dan');
    const racing = await Promise.all(Array.from({ length: 4 }, () => createTusUpload(a.server.url, { token: dan.token, length: 5 * MiB })));
    expect(racing.map((response) => response.status).sort()).toEqual([201, 201, 413, 413]);

    // However small, uploads are rows: a user may start only so many per minute.
    const eve = await a.accounts.register('eve');
    const burst = await Promise.all(Array.from({ length: 10 }, () => createTusUpload(a.server.url, { token: eve.token, length: 0 })));
    expect(burst.every((response) => response.status === 201)).toBe(true);
    const limited = await createTusUpload(a.server.url, { token: eve.token, length: 0 });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ appCode: 'RATE_LIMITED', details: { retryAfter: expect.any(Number) as number } });
  });

  it('needs a session, and keeps uploads to their owner', async () => {
    const anonymous = await createTusUpload(a.server.url, { length: 10 });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('tus-resumable')).toBe('1.0.0');
    expect((await createTusUpload(a.server.url, { token: 'nope.nope', length: 10 })).status).toBe(401);

    const created = await createTusUpload(a.server.url, { token: ann.token, length: 10, metadata: { filename: '../../etc/passwd\u202e.txt' } });
    const url = new URL(created.headers.get('location')!, a.server.url).toString();
    const fileId = url.split('/').pop()!;
    expect((await rowOf(fileId))!.name).toBe('passwd.txt');

    const stolen = await patchTusUpload(url, { token: ben.token, offset: 0, body: Buffer.from('0123456789') });
    expect(stolen.status).toBe(404);
    const peek = await fetch(url, { method: 'HEAD', headers: { ...auth(ben), 'Tus-Resumable': '1.0.0' } });
    expect(peek.status).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers: { ...auth(ben), 'Tus-Resumable': '1.0.0' } })).status).toBe(404);
    expect((await patchTusUpload(url, { offset: 0, body: Buffer.from('0123456789') })).status).toBe(401);
    expect(await failure(ben.client.files.get.query({ fileId }))).toBe('NOT_FOUND');
    expect(await a.server.deps.files.storage.uploadedBytes(fileId)).toBe(0);

    // The owner may cancel an unfinished upload: row and bytes go.
    const cancelled = await fetch(url, { method: 'DELETE', headers: { ...auth(ann), 'Tus-Resumable': '1.0.0' } });
    expect(cancelled.status).toBe(204);
    await until(
      () => rowOf(fileId),
      (row) => row === undefined,
    );
    expect(await rowOf(fileId)).toBeUndefined();
    expect(await a.server.deps.files.storage.uploadedBytes(fileId)).toBeNull();
  });
});
