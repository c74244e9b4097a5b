// Files shared in rooms that hide their history from newcomers: a newcomer may read only files
// sent in messages they can see, exactly as chat.history shows them; guessing an earlier file's
// id gets the same 404 as a file that does not exist.
import { failure, noisePng, sha256, startMailedTestServer, uploadWithTus, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let own: TestAccount;
let mem: TestAccount;
let ivy: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer();
  [own, mem, ivy] = await Promise.all([a.accounts.register('own'), a.accounts.register('mem'), a.accounts.register('ivy')]);
});
afterAll(async () => {
  await a?.stop();
});

let clientIds = 0;
const room = { visibility: 'public', joinPolicy: 'open', syncEnabled: true, maxMembers: 10 } as const;
const get = (path: string, account?: TestAccount) => fetch(`${a.server.url}${path}`, { headers: account ? { authorization: `Bearer ${account.token}` } : {} });
const upload = (account: TestAccount, data: Buffer, filename: string) =>
  uploadWithTus(a.server.url, data, { token: account.token, filename, filetype: 'image/png' }).then((result) => result.fileId);
const sendFile = (account: TestAccount, conversationId: number, fileId: string) =>
  account.client.chat.send.mutate({ conversationId, clientId: `h${++clientIds}`, kind: 'image', attachment: { fileId } });
const sendText = (account: TestAccount, conversationId: number, text: string) =>
  account.client.chat.send.mutate({ conversationId, clientId: `h${++clientIds}`, kind: 'text', text });

/** Everything a reader can reach a file through: the download, its thumbnail, files.get and files.link. */
async function readable(account: TestAccount, fileId: string): Promise<boolean> {
  const [download, thumbnail, view, link] = await Promise.all([
    get(`/files/${fileId}`, account),
    get(`/files/${fileId}/thumbnail`, account),
    failure(account.client.files.get.query({ fileId })).catch(() => null),
    failure(account.client.files.link.mutate({ fileId })).catch(() => null),
  ]);
  const statuses = [download.status, thumbnail.status];
  const codes = [view, link];
  if (statuses.every((status) => status === 200) && codes.every((code) => code === null)) return true;
  // Forbidden looks exactly like unknown: 404 and NOT_FOUND everywhere, never 403.
  expect(statuses).toEqual([404, 404]);
  expect(codes).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  return false;
}

describe('rooms that hide their history', () => {
  it('let a newcomer read files sent after they joined, not the ones before', async () => {
    const { id: roomId } = await own.client.rooms.create.mutate({ name: 'Hidden files', ...room, historyVisible: false });
    // Mem joins once the room has messages (joinedAfterMessageId > 0) but before any file.
    await sendText(own, roomId, 'welcome');
    await mem.client.rooms.join.mutate({ roomId });

    const earlyPng = noisePng(48, 32);
    const early = await upload(own, earlyPng, 'early.png');
    await sendFile(own, roomId, early);
    expect(await readable(mem, early)).toBe(true);

    await ivy.client.rooms.join.mutate({ roomId });
    expect((await ivy.client.chat.history.query({ conversationId: roomId })).map((message) => message.attachment?.fileId ?? null)).not.toContain(early);
    expect(await readable(ivy, early)).toBe(false);
    const unknown = await get(`/files/${'x'.repeat(24)}`, ivy);
    expect(await (await get(`/files/${early}`, ivy)).text()).toBe(await unknown.text());

    const latePng = noisePng(40, 40);
    const late = await upload(own, latePng, 'late.png');
    await sendFile(own, roomId, late);
    expect(await readable(ivy, late)).toBe(true);
    const download = await get(`/files/${late}`, ivy);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(latePng));
    expect(await ivy.client.files.get.query({ fileId: late })).toMatchObject({ id: late, ownerId: own.id, width: 40, height: 40 });
    const link = await ivy.client.files.link.mutate({ fileId: late });
    expect((await get(link.url)).status).toBe(200);

    // The owner and earlier members are not affected.
    expect(await readable(own, early)).toBe(true);
    expect(await readable(mem, late)).toBe(true);

    // Sent again after Ivy joined, the earlier file is in a message she can see.
    await sendFile(own, roomId, early);
    expect(await readable(ivy, early)).toBe(true);
    expect(sha256(Buffer.from(await (await get(`/files/${early}`, ivy)).arrayBuffer()))).toBe(sha256(earlyPng));
  });

  it('follow the room’s current setting, as chat.history does', async () => {
    const { id: roomId } = await own.client.rooms.create.mutate({ name: 'Switching', ...room, historyVisible: false });
    const fileId = await upload(own, noisePng(20, 20), 'before.png');
    await sendFile(own, roomId, fileId);
    await ivy.client.rooms.join.mutate({ roomId });
    expect(await readable(ivy, fileId)).toBe(false);

    await own.client.rooms.updateSettings.mutate({ roomId, historyVisible: true });
    expect(await readable(ivy, fileId)).toBe(true);
    await own.client.rooms.updateSettings.mutate({ roomId, historyVisible: false });
    expect(await readable(ivy, fileId)).toBe(false);

    // Leaving and coming back makes Ivy a newcomer again.
    await own.client.rooms.updateSettings.mutate({ roomId, historyVisible: true });
    await ivy.client.rooms.leave.mutate({ roomId });
    expect(await readable(ivy, fileId)).toBe(false);
  });
});

describe('rooms that show their history', () => {
  it('let a newcomer read files sent before they joined', async () => {
    const { id: roomId } = await own.client.rooms.create.mutate({ name: 'Open files', ...room, historyVisible: true });
    await sendText(own, roomId, 'hello');
    const png = noisePng(32, 24);
    const fileId = await upload(own, png, 'old.png');
    await sendFile(own, roomId, fileId);
    await ivy.client.rooms.join.mutate({ roomId });
    expect(await readable(ivy, fileId)).toBe(true);
    expect(sha256(Buffer.from(await (await get(`/files/${fileId}`, ivy)).arrayBuffer()))).toBe(sha256(png));
  });
});
