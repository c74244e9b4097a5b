// Two people befriend each other in the app: search, a request seen live, accept, presence,
// then a block, which the blocked person is never told of but no longer sees as a friend.
import { type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

async function openFriends(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Friends', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: /^Friends/ }).waitFor();
}

const list = (page: Page, name: string) => page.getByRole('list', { name, exact: true });
const person = (page: Page, listName: string, username: string) =>
  list(page, listName)
    .getByRole('listitem')
    .filter({ hasText: `@${username}` });

describe('friends', () => {
  it('A finds B and asks; B sees it live and accepts; both list each other with presence; B blocks A', async () => {
    const a = await newUserPage(suite.browser, stack, newUser('ann'));
    const b = await newUserPage(suite.browser, stack, newUser('bob'));
    await Promise.all([openFriends(a.page), openFriends(b.page)]);

    // Nobody yet: searching for a name that matches nobody says so.
    await a.page.getByLabel('Find people', { exact: true }).fill('zz_nobody_here');
    await expect.poll(() => a.page.getByText('Nobody found.').isVisible()).toBe(true);

    await a.page.getByLabel('Find people', { exact: true }).fill(b.user.username);
    const found = person(a.page, 'People found', b.user.username);
    await found.getByRole('button', { name: 'Add friend' }).click();
    await found.getByText('Request sent').waitFor();
    await person(a.page, 'Sent requests', b.user.username).waitFor();

    // B never reloads: the request arrives on the event stream, with a badge in the heading.
    const request = person(b.page, 'Requests', a.user.username);
    await request.waitFor();
    await b.page.getByRole('status', { name: '1 new requests' }).waitFor();
    await request.getByRole('button', { name: 'Accept' }).click();

    const bobForAnn = person(a.page, 'Your friends', b.user.username);
    await bobForAnn.waitFor();
    await person(b.page, 'Your friends', a.user.username).waitFor();
    await expect.poll(() => b.page.getByRole('status', { name: /new requests/ }).count()).toBe(0);
    await expect.poll(() => list(a.page, 'Sent requests').count()).toBe(0);
    // B has the app open, so A sees B online.
    await bobForAnn.getByRole('img', { name: 'online' }).waitFor();
    await bobForAnn.getByText('Online').waitFor();

    b.page.on('dialog', (dialog) => void dialog.accept());
    await person(b.page, 'Your friends', a.user.username).getByRole('button', { name: 'Block' }).click();
    await person(b.page, 'Blocked', a.user.username).waitFor();
    await expect.poll(() => person(b.page, 'Your friends', a.user.username).count()).toBe(0);

    // A is not told of the block; the list is fresh whenever the screen opens.
    await a.page.getByRole('navigation').getByRole('link', { name: 'Chats', exact: true }).click();
    await openFriends(a.page);
    await a.page.getByText('No friends yet. Find people above.').waitFor();
    await expect.poll(() => person(a.page, 'Your friends', b.user.username).count()).toBe(0);
  });

  it('a request can be cancelled or declined, and the other side sees that live', async () => {
    const a = await newUserPage(suite.browser, stack, newUser('cat'));
    const b = await newUserPage(suite.browser, stack, newUser('dan'));
    await Promise.all([openFriends(a.page), openFriends(b.page)]);

    const ask = async () => {
      await a.page.getByLabel('Find people', { exact: true }).fill(b.user.username);
      await person(a.page, 'People found', b.user.username).getByRole('button', { name: 'Add friend' }).click();
      await person(b.page, 'Requests', a.user.username).waitFor();
    };
    await ask();
    await person(a.page, 'Sent requests', b.user.username).getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => person(b.page, 'Requests', a.user.username).count()).toBe(0);
    await b.page.getByText('No new requests.').waitFor();

    await ask();
    await person(b.page, 'Requests', a.user.username).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => list(a.page, 'Sent requests').count()).toBe(0);
    await a.page.getByText('No friends yet. Find people above.').waitFor();
    await b.page.getByText('No friends yet. Find people above.').waitFor();
  });
});
