import { closeChorusClient, type ChorusClient } from '@chorus/client';
import { clientOfContext, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messageTexts, openConversation, reconnectingStatus, sendMessage, sendText } from './chat';
import { newUser, newUserPage, signOutButton, startWebStack, STACK_TIMEOUT_MS, type WebStack, type WebUser, useWebBrowser } from './harness';

const suite = useWebBrowser();
/** UI waits: the app's answer, not a fixed pause. */
const eventually = { timeout: 10_000 };
let stack: WebStack;
const clients: ChorusClient[] = [];

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  await stack?.stop();
});

interface Person {
  page: Page;
  user: WebUser;
  /** The same account from Node (its browser session's cookie): a second device. */
  api: ChorusClient;
}

/** Two people signed up in their own browser contexts, friends, each with their conversation open. */
async function twoFriends(): Promise<{ ann: Person; bob: Person; conversationId: number }> {
  const [ann, bob] = await Promise.all(
    ['ann', 'bob'].map(async (name) => {
      const { page, user } = await newUserPage(suite.browser, stack, newUser(name));
      const api = await clientOfContext(page.context(), stack.url);
      clients.push(api);
      return { page, user, api };
    }),
  );
  const { conversationId } = await befriend(ann!.api, bob!.api, bob!.user.username);
  await Promise.all([openConversation(ann!.page, bob!.user.username), openConversation(bob!.page, ann!.user.username)]);
  return { ann: ann!, bob: bob!, conversationId };
}

/** The message tokens (`m<n>`) a page's open conversation shows, in order. */
async function tokens(page: Page, conversation: string): Promise<string[]> {
  return (await messageTexts(page, conversation)).flatMap((text) => /\bm\d+\b/.exec(text)?.[0] ?? []);
}

describe('a server restart under a signed-in page', () => {
  it('shows "Reconnecting…" while the server is down, clears it when it is back, and the session goes on', async () => {
    const { page } = await newUserPage(suite.browser, stack);
    expect(await reconnectingStatus(page).isVisible()).toBe(false);
    await stack.restart(() => reconnectingStatus(page).waitFor());
    await reconnectingStatus(page).waitFor({ state: 'hidden' });
    await page.reload();
    await signOutButton(page).waitFor();
  });
});

describe('live chat in two browsers', () => {
  it('messages typed in one page appear live in the other, both ways, once and in order', async () => {
    const { ann, bob } = await twoFriends();
    await sendMessage(ann.page, 'm1 hello Bob');
    await expect.poll(() => tokens(bob.page, ann.user.username), eventually).toEqual(['m1']);
    await sendMessage(bob.page, 'm2 hi Ann');
    await sendMessage(bob.page, 'm3 how are you?');
    await expect.poll(() => tokens(ann.page, bob.user.username), eventually).toEqual(['m1', 'm2', 'm3']);
    await expect.poll(() => tokens(bob.page, ann.user.username), eventually).toEqual(['m1', 'm2', 'm3']);
  });

  it('across a server restart the pages show reconnecting, then every message sent meanwhile appears once, in order', async () => {
    const { ann, bob, conversationId } = await twoFriends();
    await sendMessage(ann.page, 'm1 before the restart');
    await expect.poll(() => tokens(bob.page, ann.user.username), eventually).toEqual(['m1']);

    await stack.restart(async () => {
      await reconnectingStatus(ann.page).waitFor();
      await reconnectingStatus(bob.page).waitFor();
    });
    // Sent the moment the server is back, while the pages are still reconnecting (their own
    // retries back off): they only learn of these by resuming their streams.
    for (let n = 2; n <= 11; n++) await sendText(n % 2 ? ann.api : bob.api, conversationId, `m${n} sent while the pages were away`);

    const expected = Array.from({ length: 11 }, (_, i) => `m${i + 1}`);
    await expect.poll(() => tokens(ann.page, bob.user.username), { timeout: 20_000 }).toEqual(expected);
    await expect.poll(() => tokens(bob.page, ann.user.username), { timeout: 20_000 }).toEqual(expected);
    await reconnectingStatus(ann.page).waitFor({ state: 'hidden' });
    await reconnectingStatus(bob.page).waitFor({ state: 'hidden' });

    // And the conversation goes on live over the new connections.
    await sendMessage(bob.page, 'm12 after the restart');
    await expect.poll(() => tokens(ann.page, bob.user.username), eventually).toEqual([...expected, 'm12']);
  });
});
