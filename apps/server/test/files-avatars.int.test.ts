// Avatars from uploaded images: resized to the standard square sizes, served to anyone, while
// the uploaded original stays private. Users, groups and rooms take them the same way.
import { failure, imageInfo, noisePng, startMailedTestServer, uploadWithTus, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let a: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer();
  ann = await a.accounts.register('ann');
  ben = await a.accounts.register('ben');
});
afterAll(async () => {
  await a?.stop();
});

const upload = (account: TestAccount, data: Buffer, filename: string) =>
  uploadWithTus(a.server.url, data, { token: account.token, filename, filetype: 'image/png' });
const get = (path: string, token?: string) => fetch(`${a.server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('avatars', () => {
  it('resizes an uploaded image to square sizes anyone may fetch, keeping the original private', async () => {
    const { fileId } = await upload(ann, noisePng(300, 200), 'me.png');
    const profile = await ann.client.account.setAvatar.mutate({ fileId });
    expect(profile.avatarUrl).toBe(`/files/${fileId}/avatar-256`);
    for (const size of [64, 128, 256]) {
      const response = await get(`/files/${fileId}/avatar-${size}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(response.headers.get('cache-control')).toMatch(/^public/);
      expect(await imageInfo(Buffer.from(await response.arrayBuffer()))).toEqual({ width: size, height: size, format: 'webp' });
    }
    // The original and its thumbnail are not part of the avatar.
    expect((await get(`/files/${fileId}`)).status).toBe(404);
    expect((await get(`/files/${fileId}`, ben.token)).status).toBe(404);
    expect((await get(`/files/${fileId}/thumbnail`, ben.token)).status).toBe(404);
    expect(await failure(ben.client.files.link.mutate({ fileId }))).toBe('NOT_FOUND');
    expect((await ben.client.files.link.mutate({ fileId, variant: 'avatar-64' })).url).toContain(`/files/${fileId}/avatar-64?`);
    expect((await get(`/files/${fileId}`, ann.token)).status).toBe(200);
    expect((await ben.client.users.get.query({ userId: ann.id })).avatarUrl).toBe(`/files/${fileId}/avatar-256`);
  });

  it('takes only the caller’s own finished images', async () => {
    const { fileId: bens } = await upload(ben, noisePng(40, 40), 'ben.png');
    expect(await failure(ann.client.account.setAvatar.mutate({ fileId: bens }))).toBe('NOT_FOUND');
    const { fileId: text } = await uploadWithTus(a.server.url, Buffer.from('just some words\n'), { token: ann.token, filename: 'notes.txt' });
    expect(await failure(ann.client.account.setAvatar.mutate({ fileId: text }))).toBe('UNSUPPORTED_FILE');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const { fileId: svgId } = await uploadWithTus(a.server.url, svg, { token: ann.token, filename: 'x.svg', filetype: 'image/svg+xml' });
    expect(await failure(ann.client.account.setAvatar.mutate({ fileId: svgId }))).toBe('UNSUPPORTED_FILE');
    expect(await failure(ann.client.account.setAvatar.mutate({ fileId: 'nope' }))).toBe('NOT_FOUND');
  });

  it('sets group and room avatars the same way, for their managers', async () => {
    const group = await ann.client.chat.createGroup.mutate({ name: 'crew', memberIds: [ben.id] });
    const { fileId } = await upload(ann, noisePng(64, 96), 'crew.png');
    const updated = await ann.client.chat.update.mutate({ conversationId: group.conversationId, avatarFileId: fileId });
    expect(updated.avatarUrl).toBe(`/files/${fileId}/avatar-256`);
    expect((await get(`/files/${fileId}/avatar-128`)).status).toBe(200);
    const { fileId: bensImage } = await upload(ben, noisePng(32, 32), 'ben2.png');
    expect(await failure(ben.client.chat.update.mutate({ conversationId: group.conversationId, avatarFileId: bensImage }))).toBe('FORBIDDEN');

    const room = await ann.client.rooms.create.mutate({
      name: 'cinema',
      visibility: 'public',
      joinPolicy: 'open',
      historyVisible: true,
      syncEnabled: true,
      maxMembers: 10,
    });
    const { fileId: poster } = await upload(ann, noisePng(120, 80), 'poster.png');
    const settings = await ann.client.rooms.updateSettings.mutate({ roomId: room.id, avatarFileId: poster });
    expect(settings.avatarUrl).toBe(`/files/${poster}/avatar-256`);
    expect(await failure(ann.client.rooms.updateSettings.mutate({ roomId: room.id, avatarFileId: poster, avatarUrl: 'https://example.com/a.png' }))).toBe(
      'BAD_INPUT',
    );
  });
});
