// Managing one's uploads: files.list pages through the caller's finished files, newest first;
// files.delete removes one (row, bytes, derived images), freeing its share of the quota.
import { randomBytes } from 'node:crypto';
import { files } from '@chorus/db';
import {
  createTusUpload,
  failure,
  failureWithDetails,
  noisePng,
  startMailedTestServer,
  uploadWithTus,
  type MailedTestServer,
  type TestAccount,
} from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KiB = 1024;
let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer({ files: { quotaBytes: 200 * KiB } });
  [ann, ben, cat] = await Promise.all([a.accounts.register('ann'), a.accounts.register('ben'), a.accounts.register('cat')]);
});
afterAll(async () => {
  await a?.stop();
});

let clientIds = 0;
const get = (path: string, account?: TestAccount) => fetch(`${a.server.url}${path}`, { headers: account ? { authorization: `Bearer ${account.token}` } : {} });
const upload = (account: TestAccount, data: Buffer, filename: string, filetype = 'application/octet-stream') =>
  uploadWithTus(a.server.url, data, { token: account.token, filename, filetype }).then((result) => result.fileId);
const stored = (key: string) => a.server.deps.files.storage.stat(key);

async function listAll(account: TestAccount, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await account.client.files.list.query({ cursor, limit });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((item) => item.id));
    if (!page.nextCursor) return { ids, pages };
    cursor = page.nextCursor;
  }
}

describe('files.list', () => {
  it('pages through the caller’s finished files, newest first, with the view files.get gives', async () => {
    const uploaded: string[] = [];
    for (let i = 0; i < 5; i++) uploaded.push(await upload(ben, randomBytes(100 + i), `ben-${i}.bin`));
    await upload(ann, randomBytes(50), 'not-bens.bin');
    // An unfinished upload is not listed.
    expect((await createTusUpload(a.server.url, { token: ben.token, length: 10 })).status).toBe(201);

    const newestFirst = [...uploaded].reverse();
    const first = await ben.client.files.list.query({ limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.items[0]).toEqual(await ben.client.files.get.query({ fileId: newestFirst[0]! }));
    expect(first.items[0]).toMatchObject({ name: 'ben-4.bin', size: 104, status: 'ready', ownerId: ben.id });
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(await listAll(ben, 2)).toEqual({ ids: newestFirst, pages: 3 });
    expect(await listAll(ben, 5)).toEqual({ ids: newestFirst, pages: 1 });
    expect((await ben.client.files.list.query()).items.map((item) => item.id)).toEqual(newestFirst);

    // Someone else's cursor pages through only the caller's own files.
    expect((await cat.client.files.list.query({ cursor: first.nextCursor!, limit: 10 })).items).toEqual([]);
    expect(await failure(ben.client.files.list.query({ cursor: 'garbage' }))).toBe('BAD_INPUT');
    expect(await failure(ben.client.files.list.query({ limit: 101 }))).toBe('BAD_INPUT');
  });

  it('does not skip or repeat files created in the same millisecond', async () => {
    const at = new Date('2030-01-02T03:04:05.678Z');
    const ids = ['tieA', 'tieB', 'tieC', 'tieD'].map((prefix) => `${prefix}${randomBytes(6).toString('hex')}`);
    await a.server.deps.db.insert(files).values(
      ids.map((id) => ({
        id,
        ownerId: cat.id,
        name: `${id}.bin`,
        size: 1,
        receivedBytes: 1,
        status: 'ready' as const,
        mimeType: 'application/octet-stream',
        storageKey: `uploads/${id}`,
        createdAt: at,
      })),
    );
    const { ids: listed, pages } = await listAll(cat, 1);
    expect(pages).toBe(4);
    expect([...listed].sort()).toEqual([...ids].sort());
  });
});

describe('files.delete', () => {
  it('frees the quota: an upload that did not fit fits once a file is deleted', async () => {
    const big = await upload(ann, randomBytes(120 * KiB), 'big.bin');
    await expect(upload(ann, randomBytes(100 * KiB), 'second.bin')).rejects.toThrow(/413/);
    expect(await ann.client.files.delete.mutate({ fileId: big })).toEqual({ ok: true });
    const second = await upload(ann, randomBytes(100 * KiB), 'second.bin');
    expect((await get(`/files/${second}`, ann)).status).toBe(200);
    await ann.client.files.delete.mutate({ fileId: second });
  });

  it('removes the bytes and thumbnail; messages keep their metadata but downloads answer 404', async () => {
    const png = noisePng(64, 48);
    const fileId = await upload(ann, png, 'photo.png', 'image/png');
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    const sent = await ann.client.chat.send.mutate({ conversationId, clientId: `m${++clientIds}`, kind: 'image', attachment: { fileId } });
    expect((await get(`/files/${fileId}`, ben)).status).toBe(200);
    const link = await ben.client.files.link.mutate({ fileId });
    expect(await stored(`uploads/${fileId}`)).not.toBeNull();
    expect(await stored(`derived/${fileId}/thumbnail.webp`)).not.toBeNull();

    await ann.client.files.delete.mutate({ fileId });
    for (const [path, account] of [
      [`/files/${fileId}`, ann],
      [`/files/${fileId}`, ben],
      [`/files/${fileId}/thumbnail`, ben],
      [link.url, undefined],
    ] as const) {
      expect((await get(path, account)).status, path).toBe(404);
    }
    expect(await failure(ann.client.files.get.query({ fileId }))).toBe('NOT_FOUND');
    expect(await failure(ben.client.files.get.query({ fileId }))).toBe('NOT_FOUND');
    expect((await ann.client.files.list.query({ limit: 100 })).items.map((item) => item.id)).not.toContain(fileId);
    expect(await stored(`uploads/${fileId}`)).toBeNull();
    expect(await stored(`uploads/${fileId}.json`)).toBeNull();
    expect(await a.server.deps.files.storage.list(`derived/${fileId}`)).toEqual([]);

    const [message] = (await ben.client.chat.history.query({ conversationId })).filter((candidate) => candidate.id === sent.id);
    expect(message?.attachment).toEqual({ fileId, name: 'photo.png', size: png.length, mimeType: 'image/png', width: 64, height: 48 });
    expect(await failure(ann.client.files.delete.mutate({ fileId }))).toBe('NOT_FOUND');
  });

  it('is for the owner only: anyone else gets NOT_FOUND and the file stays', async () => {
    const fileId = await upload(ann, randomBytes(300), 'mine.bin');
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    await ann.client.chat.send.mutate({ conversationId, clientId: `m${++clientIds}`, kind: 'file', attachment: { fileId } });
    // Ben may read the file, and still may not delete it.
    expect(await failure(ben.client.files.delete.mutate({ fileId }))).toBe('NOT_FOUND');
    expect(await failure(cat.client.files.delete.mutate({ fileId }))).toBe('NOT_FOUND');
    expect(await failure(ann.client.files.delete.mutate({ fileId: 'x'.repeat(24) }))).toBe('NOT_FOUND');
    expect(await failure(ann.client.files.delete.mutate({ fileId: 'not a file id' }))).toBe('BAD_INPUT');
    expect((await get(`/files/${fileId}`, ann)).status).toBe(200);
    expect((await get(`/files/${fileId}`, ben)).status).toBe(200);
  });

  it('refuses an unfinished upload (tus DELETE cancels those)', async () => {
    const created = await createTusUpload(a.server.url, { token: ann.token, length: 10 });
    const fileId = created.headers.get('location')!.split('/').pop()!;
    expect(await failure(ann.client.files.delete.mutate({ fileId }))).toBe('FILE_NOT_READY');
    expect(await failure(ben.client.files.delete.mutate({ fileId }))).toBe('NOT_FOUND');
  });

  it('refuses a current avatar with FILE_IN_USE, and deletes it once replaced', async () => {
    const first = await upload(cat, noisePng(40, 40), 'me.png', 'image/png');
    await cat.client.account.setAvatar.mutate({ fileId: first });
    expect(await failureWithDetails(cat.client.files.delete.mutate({ fileId: first }))).toEqual({ code: 'FILE_IN_USE', details: { usedBy: 'account' } });
    expect((await get(`/files/${first}/avatar-256`)).status).toBe(200);

    const group = await cat.client.chat.createGroup.mutate({ name: 'crew', memberIds: [ben.id] });
    const crew = await upload(cat, noisePng(30, 30), 'crew.png', 'image/png');
    await cat.client.chat.update.mutate({ conversationId: group.conversationId, avatarFileId: crew });
    expect(await failureWithDetails(cat.client.files.delete.mutate({ fileId: crew }))).toEqual({
      code: 'FILE_IN_USE',
      details: { usedBy: 'group', conversationId: group.conversationId },
    });

    const room = await cat.client.rooms.create.mutate({
      name: 'Cat room',
      visibility: 'public',
      joinPolicy: 'open',
      historyVisible: true,
      syncEnabled: true,
      maxMembers: 10,
    });
    const poster = await upload(cat, noisePng(30, 30), 'poster.png', 'image/png');
    await cat.client.rooms.updateSettings.mutate({ roomId: room.id, avatarFileId: poster });
    expect(await failureWithDetails(cat.client.files.delete.mutate({ fileId: poster }))).toEqual({
      code: 'FILE_IN_USE',
      details: { usedBy: 'room', conversationId: room.id },
    });

    // Replaced, the old avatar is an ordinary upload again.
    const second = await upload(cat, noisePng(50, 50), 'me2.png', 'image/png');
    await cat.client.account.setAvatar.mutate({ fileId: second });
    await cat.client.files.delete.mutate({ fileId: first });
    expect((await get(`/files/${first}/avatar-256`)).status).toBe(404);
    expect((await get(`/files/${second}/avatar-256`)).status).toBe(200);
    // A dissolved room's avatar holds nothing back.
    await cat.client.rooms.dissolve.mutate({ roomId: room.id });
    await cat.client.files.delete.mutate({ fileId: poster });
    expect((await get(`/files/${poster}/avatar-256`)).status).toBe(404);
  });
});
