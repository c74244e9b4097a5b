import { collectEvents, failure, startMailedTestServer, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let harness: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;
let cid: TestAccount;

beforeAll(async () => {
  harness = await startMailedTestServer();
  ann = await harness.accounts.register('ann');
  ben = await harness.accounts.register('ben');
  cid = await harness.accounts.register('cid');
});
afterAll(async () => {
  await harness?.stop();
});

const defaults = {
  directLevel: 'all',
  groupLevel: 'mentions',
  roomLevel: 'mentions',
  doNotDisturb: null,
  timeZone: 'UTC',
  pushPrivacy: 'full',
  digestEnabled: true,
};

describe('account notification settings', () => {
  it('answers the defaults before any change', async () => {
    expect(await ann.client.account.notificationSettings.query()).toEqual(defaults);
  });

  it('changes only the fields given, keeps them, and tells the other devices', async () => {
    const events = collectEvents(ann.client);
    await events.waitFor((event) => event.type === 'presence.snapshot');
    const first = await ann.client.account.updateNotificationSettings.mutate({ groupLevel: 'all', doNotDisturb: { start: '22:30', end: '07:00' } });
    expect(first).toEqual({ ...defaults, groupLevel: 'all', doNotDisturb: { start: '22:30', end: '07:00' } });
    const second = await ann.client.account.updateNotificationSettings.mutate({ timeZone: 'asia/shanghai', pushPrivacy: 'sender', digestEnabled: false });
    expect(second).toEqual({ ...first, timeZone: 'Asia/Shanghai', pushPrivacy: 'sender', digestEnabled: false });
    expect(await ann.client.account.notificationSettings.query()).toEqual(second);
    const pushed = await events.waitFor((event) => event.type === 'notification_settings.updated' && event.settings.pushPrivacy === 'sender');
    expect(pushed).toMatchObject({ settings: second });
    events.stop();
    expect(await ann.client.account.updateNotificationSettings.mutate({ doNotDisturb: null })).toMatchObject({ doNotDisturb: null, groupLevel: 'all' });
    // Someone else's settings are untouched.
    expect(await ben.client.account.notificationSettings.query()).toEqual(defaults);
  });

  it('refuses unknown time zones, bad clock times, unknown levels and empty changes', async () => {
    const update = ann.client.account.updateNotificationSettings;
    expect(await failure(update.mutate({ timeZone: 'Mars/Olympus_Mons' }))).toBe('BAD_INPUT');
    expect(await failure(update.mutate({ doNotDisturb: { start: '24:00', end: '07:00' } }))).toBe('BAD_INPUT');
    expect(await failure(update.mutate({ doNotDisturb: { start: '7:00', end: '08:00' } }))).toBe('BAD_INPUT');
    expect(await failure(update.mutate({ doNotDisturb: { start: '08:00', end: '08:00' } }))).toBe('BAD_INPUT');
    expect(await failure(update.mutate({ directLevel: 'loud' as never }))).toBe('BAD_INPUT');
    expect(await failure(update.mutate({ pushPrivacy: 'secret' as never }))).toBe('BAD_INPUT');
    expect(await failure(update.mutate({}))).toBe('BAD_INPUT');
    expect((await ann.client.account.notificationSettings.query()).timeZone).toBe('Asia/Shanghai');
  });
});

describe('chat.setNotificationLevel', () => {
  it('sets a member’s level and mute in a direct chat and chat.list shows them', async () => {
    const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
    const until = new Date(Date.now() + 3_600_000);
    const set = await ann.client.chat.setNotificationLevel.mutate({ conversationId, level: 'mentions', mutedUntil: until });
    expect(set).toEqual({ conversationId, level: 'mentions', effectiveLevel: 'mentions', mutedUntil: until, muted: true });
    const listed = (await ann.client.chat.list.query()).items.find((item) => item.id === conversationId);
    expect(listed).toMatchObject({ notificationLevel: 'mentions', mutedUntil: until });
    expect(await ann.client.chat.get.query({ conversationId })).toMatchObject({ notificationLevel: 'mentions', mutedUntil: until });
    // The other member's view is their own.
    expect((await ben.client.chat.list.query()).items.find((item) => item.id === conversationId)).toMatchObject({
      notificationLevel: 'default',
      mutedUntil: null,
    });
    // Leaving mutedUntil out keeps it; null unmutes; `default` follows the account (direct: all).
    expect(await ann.client.chat.setNotificationLevel.mutate({ conversationId, level: 'none' })).toMatchObject({ level: 'none', mutedUntil: until });
    expect(await ann.client.chat.setNotificationLevel.mutate({ conversationId, level: 'default', mutedUntil: null })).toEqual({
      conversationId,
      level: 'default',
      effectiveLevel: 'all',
      mutedUntil: null,
      muted: false,
    });
  });

  it('is refused to non-members as NOT_FOUND and with a past mutedUntil as BAD_INPUT', async () => {
    const { conversationId } = await ann.client.chat.createGroup.mutate({ name: 'planning', memberIds: [ben.id] });
    expect(await failure(cid.client.chat.setNotificationLevel.mutate({ conversationId, level: 'none' }))).toBe('NOT_FOUND');
    expect(await failure(cid.client.chat.setNotificationLevel.mutate({ conversationId: 999_999, level: 'none' }))).toBe('NOT_FOUND');
    const past = new Date(Date.now() - 60_000);
    expect(await failure(ben.client.chat.setNotificationLevel.mutate({ conversationId, level: 'all', mutedUntil: past }))).toBe('BAD_INPUT');
    expect(await failure(ben.client.chat.setNotificationLevel.mutate({ conversationId, level: 'loud' as never }))).toBe('BAD_INPUT');
    // Nothing half-written: the failed call left the level alone. Group default (ben's account): mentions.
    expect(await ben.client.chat.setNotificationLevel.mutate({ conversationId, level: 'default' })).toMatchObject({ effectiveLevel: 'mentions', muted: false });
  });

  it('works for rooms, following the account’s room level by default', async () => {
    const room = await ann.client.rooms.create.mutate({ name: 'hall', visibility: 'public', joinPolicy: 'open' });
    await ben.client.rooms.join.mutate({ roomId: room.id });
    await ben.client.account.updateNotificationSettings.mutate({ roomLevel: 'none' });
    expect(await ben.client.chat.setNotificationLevel.mutate({ conversationId: room.id, level: 'default' })).toMatchObject({ effectiveLevel: 'none' });
    expect(await ben.client.chat.setNotificationLevel.mutate({ conversationId: room.id, level: 'all' })).toMatchObject({ level: 'all', effectiveLevel: 'all' });
    expect(await failure(cid.client.chat.setNotificationLevel.mutate({ conversationId: room.id, level: 'all' }))).toBe('NOT_FOUND');
  });
});
