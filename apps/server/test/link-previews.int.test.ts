// Link previews: fetched by the server after the send from a local website, through the egress
// guard, cached per link, attached with `message.updated`; the image is stored as a file members
// may download and others may not. Opt-outs per message and per user; refused in production mode.
import { previewMessage } from '@chorus/api';
import { collectEvents, startMailedTestServer, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG, startPreviewSite, type PreviewSite } from './preview-site';

let a: MailedTestServer;
let site: PreviewSite;
let ann: TestAccount;
let ben: TestAccount;
let cat: TestAccount;
let conversationId: number;
let clientIds = 0;
/** The image of the first /og preview, stored for ann. */
let annImageId: string;

beforeAll(async () => {
  // The fetch limit is 500 ms here (5 s in production), so the slow page fails quickly.
  site = await startPreviewSite({ slowMs: 2000 });
  a = await startMailedTestServer({ previews: { timeoutMs: 500 } });
  [ann, ben, cat] = await Promise.all([a.accounts.register('ann'), a.accounts.register('ben'), a.accounts.register('cat')]);
  ({ conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id }));
});
afterAll(async () => {
  await a?.stop();
  await site?.close();
});

const send = (account: TestAccount, text: string, extra: { previews?: boolean; conversationId?: number } = {}) =>
  account.client.chat.send.mutate({ conversationId, clientId: `lp${++clientIds}`, kind: 'text', text, ...extra });

/** The message as history shows it once the preview jobs of `server` are done. */
async function settled(server: MailedTestServer, account: TestAccount, message: { id: number; conversationId: number }) {
  await server.server.deps.previews.queue.idle();
  const page = await account.client.chat.history.query({ conversationId: message.conversationId });
  return page.find((entry) => entry.id === message.id)!;
}

const download = (fileId: string, account: TestAccount) => fetch(`${a.server.url}/files/${fileId}`, { headers: { authorization: `Bearer ${account.token}` } });

describe('link previews', () => {
  it('come from Open Graph tags, reach members as message.updated, and bring the image as a file for members only', async () => {
    const events = collectEvents(ben.client);
    await events.waitFor((event) => event.type === 'presence.snapshot');
    const link = `${site.origin}/og`;
    const sent = await send(ann, `look at this: ${link}.`);
    expect(sent.preview).toBeNull();
    const updated = await events.waitFor((event) => event.type === 'message.updated' && event.message.id === sent.id && event.message.preview !== null);
    events.stop();
    if (updated.type !== 'message.updated') throw new Error('unexpected event');
    const preview = updated.message.preview!;
    expect(preview).toEqual({
      url: link,
      title: 'The & Open Graph title',
      description: 'What the page is about',
      siteName: 'Example Site',
      imageFileId: expect.any(String) as string,
    });
    expect((await settled(a, ben, sent)).preview).toEqual(preview);
    expect(site.hits('/image.png')).toBe(1);
    annImageId = preview.imageFileId!;

    const forBen = await download(preview.imageFileId!, ben);
    expect(forBen.status).toBe(200);
    expect(forBen.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await forBen.arrayBuffer())).toEqual(PNG);
    expect((await download(preview.imageFileId!, cat)).status).toBe(404);
    expect(await ben.client.files.get.query({ fileId: preview.imageFileId! })).toMatchObject({ mimeType: 'image/png', width: 1, height: 1 });
  });

  it('fall back to Twitter tags, then <title>; follow redirects; read a charset from the page', async () => {
    const cases: Array<[string, { title: string; description: string | null }]> = [
      ['/twitter', { title: 'Twitter title', description: 'Twitter description' }],
      ['/title', { title: 'Only a title', description: null }],
      ['/redirect', { title: 'Where the redirect went', description: null }],
      ['/gbk', { title: '中文标题', description: null }],
    ];
    for (const [path, expected] of cases) {
      const sent = await send(ann, `${site.origin}${path}`);
      const { preview } = await settled(a, ann, sent);
      expect(preview, path).toEqual({ url: `${site.origin}${path}`, siteName: '127.0.0.1', ...expected });
    }
    expect(site.hits('/redirected')).toBe(1);
  });

  it('are skipped for non-HTML, pages whose metadata lies past 1 MB, slow pages, and images that are not images', async () => {
    for (const path of ['/json', '/big', '/slow', '/empty', '/svg-title']) {
      const sent = await send(ann, `${site.origin}${path}`);
      expect((await settled(a, ann, sent)).preview, path).toBeNull();
      expect(site.hits(path), path).toBe(1);
    }
    const bigHead = await send(ann, `${site.origin}/big-head`);
    expect((await settled(a, ann, bigHead)).preview).toMatchObject({ title: 'Title first, then 2 MB' });
    for (const [path, title] of [
      ['/fake-image', 'Image that is not'],
      ['/huge-image', 'Image too big'],
    ]) {
      const sent = await send(ann, `${site.origin}${path}`);
      const { preview } = await settled(a, ann, sent);
      expect(preview, path).toMatchObject({ title });
      expect(preview, path).not.toHaveProperty('imageFileId');
    }
    expect(site.hits('/huge.png')).toBe(1);
  });

  it('are taken from the first link that has one (of the first three), and cached: a link sent again is not fetched again', async () => {
    const first = await send(ann, `${site.origin}/json and ${site.origin}/twitter?x=1 and more`);
    expect((await settled(a, ann, first)).preview).toMatchObject({ url: `${site.origin}/twitter?x=1`, title: 'Twitter title' });
    const before = site.hits('/og');
    const { conversationId: other } = await cat.client.chat.openDirect.mutate({ userId: ben.id });
    const again = await send(cat, `same link: ${site.origin}/og`, { conversationId: other });
    const { preview } = await settled(a, ben, again);
    expect(preview).toMatchObject({ title: 'The & Open Graph title', imageFileId: expect.any(String) as string });
    expect(site.hits('/og')).toBe(before);
    // The cached image is copied to a file of cat's (from storage: the site is not asked again),
    // so the new conversation learns nothing of who sent the link before; its members read it.
    expect(preview!.imageFileId).not.toBe(annImageId);
    expect(site.hits('/image.png')).toBe(1);
    expect(await ben.client.files.get.query({ fileId: preview!.imageFileId! })).toMatchObject({ ownerId: cat.id, mimeType: 'image/png' });
    expect((await download(preview!.imageFileId!, cat)).status).toBe(200);
    expect((await download(annImageId, cat)).status).toBe(404);

    // Three jobs for one new link at once (sent without previews, so the queue runs none of
    // them, then run together): the link is fetched once, and all three get its preview.
    const twitterHits = site.hits('/twitter');
    const burst = await Promise.all([1, 2, 3].map(() => send(ann, `${site.origin}/twitter?burst`, { previews: false })));
    await Promise.all(burst.map((message) => previewMessage(a.server.deps, message.id)));
    for (const message of burst) expect((await settled(a, ann, message)).preview).toMatchObject({ title: 'Twitter title' });
    expect(site.hits('/twitter')).toBe(twitterHits + 1);
  });

  it('can be turned off per message and per user', async () => {
    const optedOut = await send(ann, `${site.origin}/title?message`, { previews: false });
    expect((await settled(a, ann, optedOut)).preview).toBeNull();
    expect(site.hits('/title')).toBe(1);

    expect(await ann.client.account.update.mutate({ linkPreviews: false })).toMatchObject({ linkPreviews: false });
    const off = await send(ann, `${site.origin}/title?user`);
    expect((await settled(a, ann, off)).preview).toBeNull();
    expect(site.hits('/title')).toBe(1);
    await ann.client.account.update.mutate({ linkPreviews: true });
    const on = await send(ann, `${site.origin}/title?back`);
    expect((await settled(a, ann, on)).preview).toMatchObject({ title: 'Only a title' });
  });
});

describe('link previews of one user', () => {
  let limited: MailedTestServer;
  beforeAll(async () => {
    limited = await startMailedTestServer({ appConfig: { rateLimits: { linkPreviewFetchesPerUser: { points: 2, seconds: 3600 } } } });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('fetch at most linkPreviewFetchesPerUser links; cached links stay free, and a skipped link is fetched for someone else', async () => {
    const [fay, gus] = await Promise.all([limited.accounts.register('fay'), limited.accounts.register('gus')]);
    const chat = await fay.client.chat.openDirect.mutate({ userId: gus.id });
    const post = (account: TestAccount, text: string, previews?: boolean) =>
      account.client.chat.send.mutate({ conversationId: chat.conversationId, clientId: `rl${++clientIds}`, kind: 'text', text, previews });
    const paths = ['/title?rl=1', '/title?rl=2', '/title?rl=3'];
    const sent = [];
    for (const path of paths) sent.push(await post(fay, `${site.origin}${path}`));
    const previews = await Promise.all(sent.map(async (message) => (await settled(limited, fay, message)).preview));
    expect(previews.map((preview) => preview?.title ?? null)).toEqual(['Only a title', 'Only a title', null]);

    // The first link again: from the cache, no fetch taken.
    const again = await post(fay, `${site.origin}${paths[0]}`);
    expect((await settled(limited, fay, again)).preview).toMatchObject({ title: 'Only a title' });
    // The skipped link was not remembered as preview-less: another sender gets its preview.
    const other = await post(gus, `${site.origin}${paths[2]}`);
    expect((await settled(limited, gus, other)).preview).toMatchObject({ title: 'Only a title' });

    // Jobs of fay (no fetches left), gus and hal for one new link at once: gus and hal get its
    // preview, and the site is asked once, whichever job looked the link up first. (When fay's
    // did, which the order below makes likely, the others waited for it, got nothing, and one of
    // them fetched the link for both.)
    const hal = await limited.accounts.register('hal');
    const halsChat = await hal.client.chat.openDirect.mutate({ userId: gus.id });
    const titleHits = site.hits('/title');
    const link = `${site.origin}/title?rl=4`;
    const jobs = [
      await post(fay, link, false),
      await post(gus, link, false),
      await hal.client.chat.send.mutate({ conversationId: halsChat.conversationId, clientId: `rl${++clientIds}`, kind: 'text', text: link, previews: false }),
    ];
    await Promise.all(jobs.map((message) => previewMessage(limited.server.deps, message.id)));
    for (const message of jobs.slice(1)) expect((await settled(limited, gus, message)).preview).toMatchObject({ title: 'Only a title' });
    expect(site.hits('/title')).toBe(titleHits + 1);
  });
});

describe('link previews in production mode', () => {
  let prod: MailedTestServer;
  beforeAll(async () => {
    prod = await startMailedTestServer({ previews: { egress: { allowPrivateNetworks: false } } });
  });
  afterAll(async () => {
    await prod?.stop();
  });

  it('never fetch loopback or private addresses', async () => {
    const [dan, eve] = await Promise.all([prod.accounts.register('dan'), prod.accounts.register('eve')]);
    const chat = await dan.client.chat.openDirect.mutate({ userId: eve.id });
    const before = site.hits('/og');
    for (const host of [`${site.origin}/og?prod`, 'http://10.0.0.1/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data/']) {
      const sent = await dan.client.chat.send.mutate({ conversationId: chat.conversationId, clientId: `p${++clientIds}`, kind: 'text', text: host });
      expect((await settled(prod, dan, sent)).preview, host).toBeNull();
    }
    expect(site.hits('/og')).toBe(before);
  });
});
