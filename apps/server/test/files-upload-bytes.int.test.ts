// chorus_upload_bytes_total counts an upload's bytes as they arrive: an interrupted upload's
// bytes count, and resuming it counts only the rest (on local disk and, in the files-s3 project,
// on S3).
import net from 'node:net';
import { files } from '@chorus/db';
import { createTusUpload, metricValue, scrapeMetrics, startMailedTestServer, uploadWithTus, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MiB = 1024 * 1024;
let a: MailedTestServer;
let ann: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer({ metrics: true, files: { maxFileBytes: 8 * MiB, quotaBytes: 12 * MiB } });
  ann = await a.accounts.register('bytes_ann');
});
afterAll(async () => {
  await a?.stop();
});

const scrape = async () => scrapeMetrics(a.server.metricsUrl!);
const uploadBytes = async () => metricValue(await scrape(), 'chorus_upload_bytes_total') ?? 0;
const rowOf = async (fileId: string) => (await a.server.deps.db.select().from(files).where(eq(files.id, fileId)))[0];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** A raw PATCH declaring all of `data` from offset 0 that sends `sent` bytes; reset by `cut()`. */
async function partialPatch(fileId: string, data: Buffer, sent: number) {
  const socket = net.connect(a.server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('error', () => {});
  socket.write(
    `PATCH /files/${fileId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ann.token}\r\nTus-Resumable: 1.0.0\r\n` +
      `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
  );
  socket.write(data.subarray(0, sent));
  return { cut: () => socket.resetAndDestroy() };
}

describe('chorus_upload_bytes_total', () => {
  it('counts the bytes of an interrupted upload while they arrive, and only the rest when it resumes', async () => {
    const before = await uploadBytes();
    const finishedBefore = metricValue(await scrape(), 'chorus_uploads_total', { result: 'finished' }) ?? 0;
    const data = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2 * MiB, 7)]);
    const created = await createTusUpload(a.server.url, { token: ann.token, length: data.length, metadata: { filename: 'doc.pdf' } });
    const url = new URL(created.headers.get('location')!, a.server.url).toString();
    const fileId = url.split('/').pop()!;

    const half = MiB;
    const patch = await partialPatch(fileId, data, half);
    // Counted while the PATCH is still open (tus reports what it received about once a second).
    await until(async () => (await uploadBytes()) === before + half);
    patch.cut();
    // The end of the cut PATCH adds nothing: its bytes were counted already.
    await until(async () => (await rowOf(fileId))?.receivedBytes === half);
    await sleep(300);
    expect(await uploadBytes()).toBe(before + half);

    const offsets: number[] = [];
    await uploadWithTus(a.server.url, data, { token: ann.token, uploadUrl: url, patchOffsets: offsets });
    expect(offsets).toEqual([half]);
    await until(async () => (metricValue(await scrape(), 'chorus_uploads_total', { result: 'finished' }) ?? 0) === finishedBefore + 1);
    // Every byte once: the first PATCH's half and the resumed rest.
    expect(await uploadBytes()).toBe(before + data.length);
    expect((await rowOf(fileId))?.status).toBe('ready');
  });

  it('counts an upload sent in one PATCH once, and nothing for a PATCH refused at the wrong offset', async () => {
    const before = await uploadBytes();
    const data = Buffer.alloc(300 * 1024, 3);
    await uploadWithTus(a.server.url, data, { token: ann.token, filename: 'once.bin' });
    await until(async () => (await uploadBytes()) === before + data.length);

    const created = await createTusUpload(a.server.url, { token: ann.token, length: 1000, metadata: { filename: 'wrong.bin' } });
    const wrong = await fetch(new URL(created.headers.get('location')!, a.server.url), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ann.token}`, 'tus-resumable': '1.0.0', 'upload-offset': '500', 'content-type': 'application/offset+octet-stream' },
      body: Buffer.alloc(500, 1),
    });
    expect(wrong.status).toBe(409);
    await sleep(300);
    expect(await uploadBytes()).toBe(before + data.length);
  });
});
