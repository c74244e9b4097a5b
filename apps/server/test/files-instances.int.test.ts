// Two instances on one database, Redis and storage (directory or bucket): a client whose connection to one
// went quiet (half-open) resumes through the other, which takes the upload's lock over.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { files } from '@chorus/db';
import {
  createTusUpload,
  sha256,
  startMailedTestServer,
  startTestServer,
  uploadWithTus,
  type MailedTestServer,
  type TestAccount,
  type TestServer,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let b: TestServer;
let ann: TestAccount;

beforeAll(async () => {
  const linkSecret = randomBytes(32);
  a = await startMailedTestServer({ files: { linkSecret } });
  b = await startTestServer({ database: a.server.database, redisUrl: a.server.redisService!.url, files: { storage: a.server.deps.files.storage, linkSecret } });
  ann = await a.accounts.register('ann');
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('uploads across instances', () => {
  it('resumes on another instance while the first still holds a half-open PATCH, which is cancelled', async () => {
    const data = randomBytes(1024 * 1024);
    const created = await createTusUpload(a.server.url, { token: ann.token, length: data.length, metadata: { filename: 'data.bin' } });
    const fileId = created.headers.get('location')!.split('/').pop()!;

    // Instance A receives the first half of a PATCH, then hears nothing more (the link went quiet).
    const half = data.length / 2;
    const socket = net.connect(a.server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const fromA: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => fromA.push(chunk));
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `PATCH /files/${fileId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ann.token}\r\nTus-Resumable: 1.0.0\r\n` +
        `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
    );
    socket.write(data.subarray(0, half));
    // Wait until A has received the half (as the upload's progress shows it).
    const received = async () => (await a.server.deps.db.select().from(files).where(eq(files.id, fileId)))[0]?.receivedBytes;
    for (let i = 0; i < 250 && (await received()) !== half; i++) await new Promise((resolve) => setTimeout(resolve, 20));

    // The client resumes through instance B: B asks A to let go of the upload, then continues from A's offset.
    const offsets: number[] = [];
    const started = Date.now();
    await uploadWithTus(b.url, data, { token: ann.token, uploadUrl: `${b.url}/files/${fileId}`, patchOffsets: offsets });
    expect(offsets).toEqual([half]);
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('instance A kept the old PATCH open')), 10_000))]);
    expect(Buffer.concat(fromA).toString('latin1')).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect(Date.now() - started).toBeLessThan(15_000);

    const viaA = await fetch(`${a.server.url}/files/${fileId}`, { headers: { authorization: `Bearer ${ann.token}` } });
    expect(sha256(Buffer.from(await viaA.arrayBuffer()))).toBe(sha256(data));
    // A link signed by one instance works on the other (shared secret).
    const link = await ann.client.files.link.mutate({ fileId });
    expect((await fetch(`${b.url}${link.url}`)).status).toBe(200);
  });
});
