// Watch-together rooms in two browser contexts: the owner creates a room and uploads a video,
// a member finds it and joins; play, seek and pause on the owner's side move the member's
// player to the same position (within the server's in-sync tolerance); room chat goes both
// ways. Joining by approval: apply, approve, then removal by the owner.
import { closeChorusClient } from '@chorus/client';
import { clientOfContext, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend } from './chat';
import { newUser, newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';
import { playerState, recordWebm } from './media';

/** The server calls a member within this many seconds of the room's position in sync (DRIFT_TOLERANCE_SEC). */
const IN_SYNC_SEC = 1;

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

async function createRoom(
  page: Page,
  name: string,
  joinPolicy: 'Anyone' | 'By approval' | 'By invitation only',
  visibility: 'Public' | 'Private' = 'Public',
): Promise<void> {
  await page.getByRole('link', { name: 'Rooms', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description').fill('Films on Fridays');
  await page.getByLabel('Visibility').selectOption({ label: visibility });
  await page.getByLabel('Who can join').selectOption({ label: joinPolicy });
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

async function openPublicRoom(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Rooms', exact: true }).click();
  await page.getByLabel('Search rooms').fill(name);
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

/** Both players, read at (nearly) the same moment. */
async function bothPlayers(a: Page, b: Page) {
  const [first, second] = await Promise.all([playerState(a), playerState(b)]);
  return { first, second, gap: Math.abs(first.currentTime - second.currentTime) };
}

const roomLog = (page: Page) => page.getByRole('log', { name: 'Room chat' });
const playButton = (page: Page) => page.getByRole('button', { name: 'Play', exact: true });
const pauseButton = (page: Page) => page.getByRole('button', { name: 'Pause', exact: true });

describe('watch-together rooms', () => {
  it('keeps a member’s video at the owner’s position through play, seek and pause; room chat both ways', async () => {
    // The clip records in a page of its own while the two users sign up.
    const recorder = await (await suite.newContext()).newPage();
    await recorder.goto(stack.url);
    const [clip, owner, member] = await Promise.all([
      recordWebm(recorder, 10),
      newUserPage(suite.browser, stack, newUser('owner')),
      newUserPage(suite.browser, stack, newUser('member')),
    ]);
    const name = `Movie night ${process.pid}`;
    await createRoom(owner.page, name, 'Anyone');
    await openPublicRoom(member.page, name);
    await member.page.getByRole('button', { name: 'Join', exact: true }).click();
    await roomLog(member.page).waitFor();

    // Only those who may control playback get the upload; the owner's shows progress, then the video.
    expect(await member.page.getByLabel('Video file').count()).toBe(0);
    await owner.page.getByLabel('Video file').setInputFiles({ name: 'clip.webm', mimeType: 'video/webm', buffer: clip });
    await owner.page.getByRole('button', { name: 'Upload video' }).click();
    await playButton(owner.page).waitFor();
    await expect.poll(async () => (await playerState(member.page)).readyState, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // A member may not control playback here: the buttons say so.
    await expect.poll(() => playButton(member.page).isDisabled()).toBe(true);
    await member.page.getByText('The room’s owner controls playback.').waitFor();

    await playButton(owner.page).click();
    await pauseButton(owner.page).waitFor();
    await expect.poll(async () => (await playerState(member.page)).paused, { timeout: 10_000 }).toBe(false);

    await owner.page.getByLabel('Position').fill('5');
    await expect
      .poll(
        async () => {
          const { first, second, gap } = await bothPlayers(owner.page, member.page);
          return first.currentTime >= 5 && second.currentTime >= 5 && !second.paused && gap <= IN_SYNC_SEC;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);

    await pauseButton(owner.page).click();
    await expect.poll(async () => (await playerState(member.page)).paused, { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => (await bothPlayers(owner.page, member.page)).gap, { timeout: 10_000 }).toBeLessThanOrEqual(IN_SYNC_SEC);
    const paused = await bothPlayers(owner.page, member.page);
    expect(paused.first.currentTime).toBeGreaterThan(5);
    // The member's player reports its position; the server's answer says it is in sync.
    await member.page.getByText('In sync', { exact: true }).waitFor({ timeout: 10_000 });

    await member.page.getByRole('textbox', { name: 'Message' }).fill('Nice film');
    await member.page.keyboard.press('Enter');
    await roomLog(owner.page).getByRole('listitem').filter({ hasText: 'Nice film' }).waitFor();
    await owner.page.getByRole('textbox', { name: 'Message' }).fill('Glad you like it');
    await owner.page.getByRole('button', { name: 'Send', exact: true }).click();
    await roomLog(member.page).getByRole('listitem').filter({ hasText: 'Glad you like it' }).waitFor();
    // The upload was shared in the room's chat: that is what lets members download it.
    await roomLog(member.page).getByRole('listitem').filter({ hasText: 'shared clip.webm' }).waitFor();
  }, 90_000);

  it('joins by approval: the applicant waits, the owner approves, then removes them', async () => {
    const [owner, applicant] = await Promise.all([newUserPage(suite.browser, stack, newUser('host')), newUserPage(suite.browser, stack, newUser('guest'))]);
    const name = `Book club ${process.pid}`;
    await createRoom(owner.page, name, 'By approval');
    await openPublicRoom(applicant.page, name);
    // No way in but applying: no Join button, and no room stream for a non-member.
    expect(await applicant.page.getByRole('button', { name: 'Join', exact: true }).count()).toBe(0);
    await applicant.page.getByLabel('Message to the admins').fill('I read a lot');
    await applicant.page.getByRole('button', { name: 'Apply to join' }).click();
    await applicant.page.getByRole('status').filter({ hasText: 'You applied to join' }).waitFor();

    // The owner's page learns of the application live and approves it.
    const application = owner.page.getByRole('listitem').filter({ hasText: applicant.user.username });
    await application.filter({ hasText: 'I read a lot' }).waitFor();
    await application.getByRole('button', { name: 'Approve' }).click();
    await roomLog(applicant.page).waitFor();
    await owner.page
      .getByRole('region', { name: /Members/ })
      .getByText(applicant.user.username, { exact: true })
      .waitFor();

    await owner.page.getByRole('button', { name: `Remove ${applicant.user.username}` }).click();
    await applicant.page.getByText('You are no longer a member of this room.').waitFor();
    expect(await roomLog(applicant.page).count()).toBe(0);
  }, 60_000);

  it('invites a friend to a private room: unseen before, the invitation is accepted from the rooms list', async () => {
    const [owner, friend] = await Promise.all([newUserPage(suite.browser, stack, newUser('inviter')), newUserPage(suite.browser, stack, newUser('invitee'))]);
    const [ownerClient, friendClient] = await Promise.all([
      clientOfContext(owner.page.context(), stack.url),
      clientOfContext(friend.page.context(), stack.url),
    ]);
    try {
      await befriend(ownerClient, friendClient, friend.user.username);
    } finally {
      await Promise.allSettled([closeChorusClient(ownerClient), closeChorusClient(friendClient)]);
    }
    const name = `Private screening ${process.pid}`;
    await createRoom(owner.page, name, 'By invitation only', 'Private');
    const roomPath = new URL(owner.page.url()).pathname;

    // A private room is not found by others: not listed, and its page says so.
    await friend.page.goto(`${stack.url}${roomPath}`);
    await friend.page.getByRole('alert').filter({ hasText: 'Not found.' }).waitFor();

    await owner.page.getByLabel('Friend', { exact: true }).selectOption({ label: `${friend.user.username} (@${friend.user.username})` });
    await owner.page.getByRole('button', { name: 'Invite', exact: true }).click();
    await owner.page.getByText('Invitation sent.').waitFor();

    await friend.page.getByRole('link', { name: 'Rooms', exact: true }).click();
    const invitation = friend.page.getByRole('listitem').filter({ hasText: `${name}: invited you` });
    await invitation.getByRole('button', { name: 'Accept', exact: true }).click();
    await friend.page.getByRole('heading', { name, level: 1 }).waitFor();
    await roomLog(friend.page).waitFor();
    await owner.page
      .getByRole('region', { name: /Members/ })
      .getByText(friend.user.username, { exact: true })
      .waitFor();
  }, 60_000);
});
