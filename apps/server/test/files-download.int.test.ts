// Downloads: who may read a file, Range and ETag, dangerous types served as attachments,
// signed links for players that cannot send headers.
import { randomBytes } from 'node:crypto';
import { files, fileShares } from '@chorus/db';
import {
  createShiftableClock,
  failure,
  noisePng,
  sha256,
  startMailedTestServer,
  TEST_ALLOWED_ORIGIN,
  uploadWithTus,
  type MailedTestServer,
  type TestAccount,
} from '@chorus/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const clock = createShiftableClock();
let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer({ clock, files: { linkTtlSeconds: 60 } });
  [ann, ben, cat] = await Promise.all([a.accounts.register('ann'), a.accounts.register('ben'), a.accounts.register('cat')]);
});
afterAll(async () => {
  await a?.stop();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${a.server.url}${path}`, { method, headers });
const as = (account: TestAccount, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${account.token}`, ...extra });
const upload = (account: TestAccount, data: Buffer, filename: string, filetype = 'application/octet-stream') =>
  uploadWithTus(a.server.url, data, { token: account.token, filename, filetype }).then((result) => result.fileId);

describe('who may download', () => {
  it('serves the owner and members of a conversation it was shared to; everyone else gets 404', async () => {
    const png = noisePng(64, 48);
    const fileId = await upload(ann, png, 'photo.png', 'image/png');
    expect((await get(`/files/${fileId}`, as(ann))).status).toBe(200);

    const strangers = [
      get(`/files/${fileId}`, as(ben)),
      get(`/files/${fileId}/thumbnail`, as(ben)),
      get(`/files/${fileId}`, as(ben), 'HEAD'),
      get(`/files/${fileId}`),
      get(`/files/${fileId}`, { cookie: `chorus_session=${ben.token}` }),
    ];
    for (const response of await Promise.all(strangers)) expect(response.status).toBe(404);
    const unknown = await get(`/files/${'x'.repeat(24)}`, as(ben));
    expect(unknown.status).toBe(404);
    expect(await (await get(`/files/${fileId}`, as(ben))).text()).toBe(await unknown.text());
    expect(await failure(ben.client.files.get.query({ fileId }))).toBe('NOT_FOUND');
    expect(await failure(ben.client.files.link.mutate({ fileId }))).toBe('NOT_FOUND');

    // Shared to a group with Cat: Cat may read it, Ben still may not.
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'photos', memberIds: [cat.id] });
    await a.server.deps.db.insert(fileShares).values({ fileId, conversationId });
    const viaCookie = await get(`/files/${fileId}`, { cookie: `chorus_session=${cat.token}` });
    expect(viaCookie.status).toBe(200);
    expect(sha256(Buffer.from(await viaCookie.arrayBuffer()))).toBe(sha256(png));
    expect((await get(`/files/${fileId}/thumbnail`, as(cat))).status).toBe(200);
    expect(await cat.client.files.get.query({ fileId })).toMatchObject({
      id: fileId,
      ownerId: ann.id,
      mimeType: 'image/png',
      width: 64,
      height: 48,
      hasThumbnail: true,
    });
    expect((await get(`/files/${fileId}`, as(ben))).status).toBe(404);

    // Removed from the group, Cat loses access.
    await ann.client.chat.removeMember.mutate({ conversationId, userId: cat.id });
    expect((await get(`/files/${fileId}`, as(cat))).status).toBe(404);
    expect(await failure(cat.client.files.get.query({ fileId }))).toBe('NOT_FOUND');

    // An avatar's metadata is public, but only its resized sizes are (files-avatars.int.test.ts): never the original.
    await a.server.deps.db.update(files).set({ isPublic: true }).where(eq(files.id, fileId));
    expect((await get(`/files/${fileId}`)).status).toBe(404);
    expect((await get(`/files/${fileId}`, as(ben))).status).toBe(404);
    expect((await ben.client.files.get.query({ fileId })).id).toBe(fileId);
  });
});

describe('ranges and caching', () => {
  let fileId: string;
  const data = randomBytes(1000);

  beforeAll(async () => {
    fileId = await upload(ann, data, 'clip.bin');
  });

  it('answers single byte ranges with 206, and unsatisfiable ones with 416', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, 999],
      ['bytes=-10', 990, 999],
      ['bytes=995-5000', 995, 999],
    ];
    for (const [range, start, end] of cases) {
      const response = await get(`/files/${fileId}`, as(ann, { range }));
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(Buffer.from(await response.arrayBuffer()).equals(data.subarray(start, end + 1)), range).toBe(true);
    }
    for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0']) {
      const response = await get(`/files/${fileId}`, as(ann, { range }));
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe('bytes */1000');
    }
    // Several ranges or other units: the whole file.
    expect((await get(`/files/${fileId}`, as(ann, { range: 'bytes=0-1,5-6' }))).status).toBe(200);
    expect((await get(`/files/${fileId}`, as(ann, { range: 'items=0-1' }))).status).toBe(200);

    const head = await get(`/files/${fileId}`, as(ann), 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('1000');
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(await head.text()).toBe('');
  });

  it('sends a strong ETag from the SHA-256 and answers If-None-Match with 304', async () => {
    const full = await get(`/files/${fileId}`, as(ann));
    const etag = full.headers.get('etag')!;
    expect(etag).toBe(`"${sha256(data)}"`);
    expect(full.headers.get('cache-control')).toBe('private, no-cache');
    const cached = await get(`/files/${fileId}`, as(ann, { 'if-none-match': etag }));
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    expect((await get(`/files/${fileId}`, as(ann, { 'if-none-match': '"other"' }))).status).toBe(200);
    expect((await get(`/files/${fileId}`, as(ann, { range: 'bytes=0-9', 'if-range': etag }))).status).toBe(206);
    expect((await get(`/files/${fileId}`, as(ann, { range: 'bytes=0-9', 'if-range': '"stale"' }))).status).toBe(200);
  });
});

describe('what a file is served as', () => {
  const cases: Array<{ name: string; claim: string; body: Buffer; sniffed: string }> = [
    {
      name: 'logo.png',
      claim: 'image/png',
      body: Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
      sniffed: 'image/svg+xml',
    },
    {
      name: 'cat.jpg',
      claim: 'image/jpeg',
      body: Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'),
      sniffed: 'text/html',
    },
    {
      name: 'tool',
      claim: 'text/plain',
      body: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]),
      sniffed: 'application/x-elf',
    },
    { name: 'setup.txt', claim: 'text/plain', body: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), sniffed: 'application/x-msdownload' },
  ];

  it.each(cases)('serves $name (really $sniffed) as an opaque attachment', async ({ name, claim, body, sniffed }) => {
    const fileId = await upload(ann, body, name, claim);
    expect(await ann.client.files.get.query({ fileId })).toMatchObject({ mimeType: sniffed, hasThumbnail: false });
    const response = await get(`/files/${fileId}`, as(ann));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  });

  it('serves text inline with its name encoded per RFC 6266', async () => {
    const fileId = await upload(ann, Buffer.from('héllo wörld\n'), 'résumé "final";.txt', 'application/x-msdownload');
    const response = await get(`/files/${fileId}`, as(ann));
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`inline; filename="r_sum_ _final_;.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B.txt`);
    expect(await response.text()).toBe('héllo wörld\n');
  });
});

describe('signed links', () => {
  it('downloads without headers until the link expires; a tampered link is refused', async () => {
    const png = noisePng(40, 30);
    const fileId = await upload(ann, png, 'movie-poster.png', 'image/png');
    const link = await ann.client.files.link.mutate({ fileId });
    expect(link.url).toMatch(new RegExp(`^/files/${fileId}\\?exp=\\d+&sig=[\\w-]+$`));
    expect(link.expiresAt.getTime()).toBeGreaterThan(clock.now().getTime() + 58_000);
    expect(link.expiresAt.getTime()).toBeLessThanOrEqual(clock.now().getTime() + 60_000);

    const plain = await get(link.url);
    expect(plain.status).toBe(200);
    expect(sha256(Buffer.from(await plain.arrayBuffer()))).toBe(sha256(png));
    expect((await get(link.url, { range: 'bytes=0-7' })).status).toBe(206);

    const sig = new URL(link.url, a.server.url).searchParams.get('sig')!;
    const exp = Number(new URL(link.url, a.server.url).searchParams.get('exp'));
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    for (const tampered of [
      `/files/${fileId}?exp=${exp}&sig=${flipped}`,
      `/files/${fileId}?exp=${exp + 3600}&sig=${sig}`,
      `/files/${fileId}/thumbnail?exp=${exp}&sig=${sig}`,
      `/files/${fileId}?exp=${exp}`,
    ]) {
      expect((await get(tampered)).status, tampered).toBe(404);
    }

    const thumb = await ann.client.files.link.mutate({ fileId, variant: 'thumbnail' });
    const thumbnail = await get(thumb.url);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');

    clock.advance(61_000);
    expect((await get(link.url)).status).toBe(404);
    expect((await get(thumb.url)).status).toBe(404);
    expect((await get(`/files/${fileId}`, as(ann))).status).toBe(200);
  });

  it('is refused for an upload that has not finished', async () => {
    const created = await fetch(`${a.server.url}/files/`, { method: 'POST', headers: as(ann, { 'tus-resumable': '1.0.0', 'upload-length': '10' }) });
    const fileId = created.headers.get('location')!.split('/').pop()!;
    expect(await failure(ann.client.files.link.mutate({ fileId }))).toBe('FILE_NOT_READY');
    expect(await failure(ann.client.files.link.mutate({ fileId: 'not a file id' }))).toBe('BAD_INPUT');
  });
});

describe('browsers', () => {
  it('answers preflights for uploads and downloads from allowed origins only', async () => {
    const preflight = await fetch(`${a.server.url}/files/`, {
      method: 'OPTIONS',
      headers: {
        origin: TEST_ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, tus-resumable, upload-length',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(TEST_ALLOWED_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('upload-offset');
    expect(preflight.headers.get('tus-version')).toBe('1.0.0');
    expect((await fetch(`${a.server.url}/files/`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } })).status).toBe(403);

    const created = await fetch(`${a.server.url}/files/`, {
      method: 'POST',
      headers: as(ann, { origin: TEST_ALLOWED_ORIGIN, 'tus-resumable': '1.0.0', 'upload-length': '3' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(TEST_ALLOWED_ORIGIN);
    expect(created.headers.get('access-control-expose-headers')).toMatch(/location/i);
  });
});
