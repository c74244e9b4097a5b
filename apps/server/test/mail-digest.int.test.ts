import { runDigestPass } from '@chorus/api';
import { collectEvents, createShiftableClock, startMailedTestServer, type FakeResendMessage, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Digests wait for messages (and absences) this old: short, so the test waits real time and
// presence (which runs on the same clock) stays truthful.
const AFTER_MS = 1_500;
const PUBLIC_URL = 'https://chat.example.test';
const clock = createShiftableClock();
let harness: MailedTestServer;
let ann: TestAccount; // en, away
let ben: TestAccount; // zh, away
let cid: TestAccount; // writes
let dee: TestAccount; // online
let eve: TestAccount; // digest off
let fay: TestAccount; // muted

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const digestsTo = (account: TestAccount) => harness.mail.messages.filter((m) => m.to.includes(account.email) && m.mailHeaders['List-Unsubscribe']);
const pass = () => runDigestPass(harness.server.deps);
const unsubscribePath = (mail: FakeResendMessage) => {
  const url = new URL(/https:\/\/chat\.example\.test\/unsubscribe\?token=[\w.-]+/.exec(mail.text ?? '')![0]);
  return `${harness.server.url}${url.pathname}${url.search}`;
};

beforeAll(async () => {
  harness = await startMailedTestServer({
    clock,
    mailLinks: { publicUrl: PUBLIC_URL, digestAfterMs: AFTER_MS },
    // Passes are run by the test; the timer would only race it.
    jobs: { digest: { everyMs: 3_600_000 } },
    appConfig: { rateLimits: { unsubscribePerIp: { points: 12, seconds: 600 } } },
  });
  const register = (name: string) => harness.accounts.register(name);
  [ann, ben, cid, dee, eve, fay] = [
    await register('ann'),
    await register('ben'),
    await register('cid'),
    await register('dee'),
    await register('eve'),
    await register('fay'),
  ];
  await ben.client.account.update.mutate({ locale: 'zh' });
});
afterAll(async () => {
  await harness?.stop();
});

const dm = async (from: TestAccount, to: TestAccount, text: string) => {
  const { conversationId } = await from.client.chat.openDirect.mutate({ userId: to.id });
  const message = await from.client.chat.send.mutate({ conversationId, clientId: `${to.username}-${text}`, kind: 'text', text });
  return { conversationId, message };
};

describe('mail digest', () => {
  it('mails an away user one digest of unread direct messages and mentions, in their language', async () => {
    const deeEvents = collectEvents(dee.client);
    await deeEvents.waitFor((event) => event.type === 'presence.snapshot');
    await dm(cid, ben, 'hello <b>ben</b> & friends');
    const read = await dm(ann, ben, 'already read this');
    await ben.client.chat.markRead.mutate({ conversationId: read.conversationId, upToMessageId: read.message.id });
    const { conversationId: group } = await cid.client.chat.createGroup.mutate({ name: 'Launch <team>', memberIds: [ann.id, ben.id, dee.id] });
    await cid.client.chat.send.mutate({ conversationId: group, clientId: 'g1', kind: 'text', text: 'general chatter nobody is named in' });
    await cid.client.chat.send.mutate({ conversationId: group, clientId: 'g2', kind: 'text', text: `@ben @ann please review ${'x'.repeat(300)}` });
    await dm(cid, ann, 'lunch?');
    await dm(cid, dee, 'you are online');
    const { conversationId: muted } = await dm(cid, fay, 'fay is muted');
    await fay.client.chat.setNotificationLevel.mutate({ conversationId: muted, level: 'default', mutedUntil: new Date(Date.now() + 3_600_000) });
    await dm(cid, eve, 'eve turned digests off');
    await eve.client.account.updateNotificationSettings.mutate({ digestEnabled: false });

    // Too young yet: nobody is mailed.
    expect(await pass()).toMatchObject({ sent: 0 });
    await sleep(AFTER_MS + 200);
    expect(await pass()).toMatchObject({ sent: 2, deferred: 1 });

    const zh = await harness.mail.waitForMessage((m) => m.to.includes(ben.email) && m.subject.includes('未读'));
    expect(zh.subject).toBe('你在 Chorus 有 2 条未读消息');
    expect(zh.text).toContain('cid: hello <b>ben</b> & friends');
    expect(zh.text).toContain('Launch <team>（提到你）：1 条新消息');
    expect(zh.text).not.toContain('general chatter');
    expect(zh.text).not.toContain('already read');
    expect(zh.text).toContain('…');
    expect(zh.text).not.toContain('x'.repeat(200));
    expect(zh.html).toContain('hello &lt;b&gt;ben&lt;/b&gt; &amp; friends');
    expect(zh.html).not.toContain('<b>ben</b>');
    expect(zh.html).toContain(`<a href="${PUBLIC_URL}/unsubscribe?token=`);
    expect(zh.mailHeaders['List-Unsubscribe']).toMatch(new RegExp(`^<${PUBLIC_URL}/unsubscribe\\?token=[\\w.-]+>$`));
    expect(zh.mailHeaders['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');

    const en = await harness.mail.waitForMessage((m) => m.to.includes(ann.email) && m.subject.includes('unread'));
    expect(en.subject).toBe('You have 2 unread messages on Chorus');
    expect(en.text).toContain('cid: lunch?');
    expect(en.text).toContain('Launch <team> (mentions): 1 new message');
    expect(en.text).toContain('Stop these emails: https://chat.example.test/unsubscribe?token=');

    // Online, muted, digests off: no mail. And no second digest for the same messages.
    expect(await pass()).toMatchObject({ sent: 0 });
    await sleep(300);
    for (const account of [dee, eve, fay]) expect(digestsTo(account)).toHaveLength(0);
    expect(digestsTo(ben)).toHaveLength(1);
    expect(digestsTo(ann)).toHaveLength(1);
    deeEvents.stop();
  });

  it('mails at most every 6 hours, then only newer messages; rooms count, level none and the lock hold', async () => {
    const room = await cid.client.rooms.create.mutate({ name: 'hall', visibility: 'public', joinPolicy: 'open' });
    await ben.client.rooms.join.mutate({ roomId: room.id });
    await cid.client.chat.send.mutate({ conversationId: room.id, clientId: 'r1', kind: 'text', text: '@ben room ping' });
    await ann.client.account.updateNotificationSettings.mutate({ groupLevel: 'none' });
    const group = (await ann.client.chat.list.query()).items.find((item) => item.kind === 'group')!;
    await cid.client.chat.send.mutate({ conversationId: group.id, clientId: 'g3', kind: 'text', text: '@ann again, silenced' });
    await dm(cid, ann, 'second lunch');
    await sleep(AFTER_MS + 200);
    // Two passes at once: one runs, the other finds the lock taken.
    const results = await Promise.all([pass(), pass()]);
    expect(results.filter((result) => result === null)).toHaveLength(1);
    // ben and ann had a digest moments ago: theirs wait. dee, online at the first pass and gone
    // since, now gets hers.
    expect(results.find((result) => result !== null)).toMatchObject({ sent: 1 });
    const deeMail = await harness.mail.waitForMessage((m) => m.to.includes(dee.email) && m.mailHeaders['List-Unsubscribe'] !== undefined);
    expect(deeMail.text).toContain('cid: you are online');
    expect(digestsTo(ben)).toHaveLength(1);

    // Six hours on: ben and ann get what came since their first digest.
    clock.advance(6 * 3600 * 1000 + 60_000);
    expect(await pass()).toMatchObject({ sent: 2, deferred: 0 });
    const second = await harness.mail.waitForMessage((m) => m.to.includes(ben.email) && m.text?.includes('room ping') === true);
    expect(second.text).toContain('hall（提到你）：1 条新消息');
    expect(second.text).not.toContain('hello');
    const annSecond = await harness.mail.waitForMessage((m) => m.to.includes(ann.email) && m.text?.includes('second lunch') === true);
    expect(annSecond.text).not.toContain('silenced');
    expect(annSecond.subject).toBe('You have 1 unread message on Chorus');
    expect(digestsTo(dee)).toHaveLength(1);
  });

  it('unsubscribes without signing in: GET confirms, POST turns the digest off', async () => {
    const url = unsubscribePath(digestsTo(ann)[1]!);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<form method="post"');
    // A GET (a mail scanner following links) changes nothing.
    expect(await ann.client.account.notificationSettings.query()).toMatchObject({ digestEnabled: true });
    const oneClick = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('Unsubscribed');
    expect(await ann.client.account.notificationSettings.query()).toMatchObject({ digestEnabled: false });
    // Other users' settings are untouched.
    expect(await ben.client.account.notificationSettings.query()).toMatchObject({ digestEnabled: true });
  });

  it('refuses forged and expired tokens alike, and limits requests per address', async () => {
    const url = new URL(unsubscribePath(digestsTo(ben)[0]!));
    const [userId, expiry, signature] = url.searchParams.get('token')!.split('.');
    const forged = [`${ann.id}.${expiry}.${signature}`, `${userId}.${Number(expiry) + 1}.${signature}`, 'garbage', ''];
    const bodies = new Set<string>();
    for (const token of forged) {
      const response = await fetch(`${harness.server.url}/unsubscribe?token=${encodeURIComponent(token)}`, { method: 'POST' });
      expect(response.status).toBe(400);
      bodies.add(await response.text());
    }
    // One page for every failure: nothing tells a forger which part was wrong.
    expect(bodies.size).toBe(1);
    expect(await ben.client.account.notificationSettings.query()).toMatchObject({ digestEnabled: true });
    // 90 days later the genuine link has expired.
    clock.advance(91 * 24 * 3600 * 1000);
    expect((await fetch(url)).status).toBe(400);
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) status = (await fetch(url)).status;
    expect(status).toBe(429);
  });
});
