// Messages with attachments carry the stored file's metadata (never the client's claims), only
// for the sender's own finished uploads; sending one lets the conversation's members read it.
import { fileShares, files } from '@chorus/db';
import { collectEvents, failure, startMailedTestServer, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let conversationId: number;
let clientIds = 0;

beforeAll(async () => {
  a = await startMailedTestServer();
  ann = await a.accounts.register('ann');
  ben = await a.accounts.register('ben');
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
});
afterAll(async () => {
  await a?.stop();
});

/** A file row as the upload service leaves it (the bytes themselves do not matter here). */
async function storedFile(ownerId: number, values: { mimeType: string; status?: 'uploading' | 'ready'; width?: number; height?: number; name?: string }) {
  const id = `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  await a.server.deps.db.insert(files).values({
    id,
    ownerId,
    name: values.name ?? 'picture.png',
    size: 1234,
    receivedBytes: 1234,
    mimeType: values.mimeType,
    width: values.width ?? null,
    height: values.height ?? null,
    status: values.status ?? 'ready',
    storageKey: id,
  });
  return id;
}

const send = (account: TestAccount, kind: 'image' | 'file', fileId: string) =>
  account.client.chat.send.mutate({ conversationId, clientId: `att${++clientIds}`, kind, attachment: { fileId } });

describe('attachments', () => {
  it('carry the stored metadata and share the file with the conversation', async () => {
    const fileId = await storedFile(ann.id, { mimeType: 'image/png', width: 640, height: 480, name: 'cat.png' });
    const benEvents = collectEvents(ben.client);
    await benEvents.waitFor((event) => event.type === 'presence.snapshot');
    const sent = await send(ann, 'image', fileId);
    expect(sent.attachment).toEqual({ fileId, name: 'cat.png', size: 1234, mimeType: 'image/png', width: 640, height: 480 });
    const live = await benEvents.waitFor((event) => event.type === 'message.created' && event.message.id === sent.id);
    expect(live).toMatchObject({ message: { kind: 'image', attachment: { fileId, mimeType: 'image/png' } } });
    benEvents.stop();
    const shares = await a.server.deps.db
      .select()
      .from(fileShares)
      .where(and(eq(fileShares.fileId, fileId), eq(fileShares.conversationId, conversationId)));
    expect(shares).toHaveLength(1);
    // Sending it again shares nothing new and still works.
    await send(ann, 'file', fileId);
    expect(await a.server.deps.db.select().from(fileShares).where(eq(fileShares.fileId, fileId))).toHaveLength(1);
  });

  it('refuses files that are not the sender’s, not finished, or not images for an image message', async () => {
    const bens = await storedFile(ben.id, { mimeType: 'image/png' });
    expect(await failure(send(ann, 'image', bens))).toBe('NOT_FOUND');
    expect(await failure(send(ann, 'file', 'no-such-file'))).toBe('NOT_FOUND');
    const unfinished = await storedFile(ann.id, { mimeType: 'image/png', status: 'uploading' });
    expect(await failure(send(ann, 'image', unfinished))).toBe('FILE_NOT_READY');
    const svg = await storedFile(ann.id, { mimeType: 'image/svg+xml', name: 'logo.svg' });
    expect(await failure(send(ann, 'image', svg))).toBe('UNSUPPORTED_FILE');
    expect((await send(ann, 'file', svg)).attachment).toMatchObject({ fileId: svg, mimeType: 'image/svg+xml' });
    expect(await a.server.deps.db.select().from(fileShares).where(eq(fileShares.fileId, bens))).toHaveLength(0);
  });

  it('needs an attachment for files and none for text', async () => {
    expect(await failure(ann.client.chat.send.mutate({ conversationId, clientId: `att${++clientIds}`, kind: 'file' }))).toBe('BAD_INPUT');
    const fileId = await storedFile(ann.id, { mimeType: 'application/pdf' });
    expect(
      await failure(ann.client.chat.send.mutate({ conversationId, clientId: `att${++clientIds}`, kind: 'text', text: 'hi', attachment: { fileId } })),
    ).toBe('BAD_INPUT');
  });
});
