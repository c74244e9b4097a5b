// The notifications bell and list in a real browser: a friend request sent through the API shows
// in the bell at once, and marking read (all, or one by opening it) clears it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userIdOf } from './chat';
import { newUser, newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

/** B in the browser, A through the API, and A's friend request to B (with an optional note). */
async function requestFromAtoB(message?: string) {
  const { page, user } = await newUserPage(suite.browser, stack);
  const bell = page.getByRole('button', { name: /^Notifications/ });
  // Idle first: the request below arrives while the page watches.
  await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications');
  const a = await stack.accounts.register(newUser('sender').username);
  await a.client.friends.request.mutate({ userId: await userIdOf(a.client, user.username), message });
  return { page, bell };
}

describe('notifications in the browser', () => {
  it("a friend request counts in B's bell live; the list shows it unread; mark all as read clears it", async () => {
    const { page, bell } = await requestFromAtoB('hello from A');
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications (1)');

    await bell.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/notifications');
    const item = page.getByRole('listitem').filter({ hasText: 'sent you a friend request' });
    await expect.poll(() => item.innerText()).toContain('“hello from A”');
    expect(await item.getByRole('img', { name: 'Unread' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Mark all as read' }).click();
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications');
    await expect.poll(() => item.getByRole('img', { name: 'Unread' }).count()).toBe(0);
    // Still read after a reload: the server stored it.
    await page.reload();
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.getByRole('img', { name: 'Unread' }).count()).toBe(0);
    expect(await bell.getAttribute('aria-label')).toBe('Notifications');
  });

  it('opening a notification marks it read and goes to what it is about', async () => {
    const { page, bell } = await requestFromAtoB();
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications (1)');
    await bell.click();
    await page.getByRole('button', { name: /sent you a friend request/ }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/friends');
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications');
  });
});
