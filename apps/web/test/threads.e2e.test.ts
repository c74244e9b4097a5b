// Threads in the chat screen: one person replies in a thread from a message's actions, the
// other sees the root's summary and the list's unread mark change live, opens the thread (the
// mark clears), reads the reply and answers; the first sees the answer in their open thread.
import { clientOfContext } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messagesIn, openConversation, sendText } from './chat';
import { newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';
import type { Page } from '@chorus/testing';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

const threadPanel = (page: Page) => page.getByRole('complementary', { name: 'Thread', exact: true });
const repliesIn = (page: Page) => threadPanel(page).getByRole('log', { name: 'Replies' }).getByRole('listitem');

async function replyInPanel(page: Page, text: string): Promise<void> {
  await threadPanel(page).getByRole('textbox', { name: 'Reply', exact: true }).fill(text);
  await threadPanel(page).getByRole('button', { name: 'Send reply' }).click();
}

describe('threads', () => {
  it('a reply in a thread reaches the other person live: summary, unread mark, the panel both ways', async () => {
    const { page: a, user: alice } = await newUserPage(suite.browser, stack);
    const { page: b, user: bob } = await newUserPage(suite.browser, stack);
    const [clientA, clientB] = await Promise.all([clientOfContext(a.context(), stack.url), clientOfContext(b.context(), stack.url)]);
    const { conversationId } = await befriend(clientA, clientB, bob.username);
    // Bob writes the root, so he follows its thread.
    const root = await sendText(clientB, conversationId, 'Where shall we eat?');
    await a.reload();
    await b.reload();
    await openConversation(a, bob.username);
    await openConversation(b, alice.username);
    const unreadMark = b.getByRole('img', { name: '1 unread thread replies' });
    expect(await unreadMark.count()).toBe(0);

    const rootRowA = messagesIn(a, bob.username).filter({ hasText: 'Where shall we eat?' });
    await rootRowA.hover();
    await rootRowA.getByRole('button', { name: 'Reply in thread' }).click();
    await threadPanel(a).getByText('No replies yet.').waitFor();
    await replyInPanel(a, 'The noodle place');
    await repliesIn(a).filter({ hasText: 'The noodle place' }).waitFor();

    // Bob: the root's summary and the list's mark follow live.
    const rootRowB = messagesIn(b, alice.username).filter({ hasText: 'Where shall we eat?' });
    const summaryB = rootRowB.getByRole('button', { name: /^Open thread: 1 reply · last reply/ });
    await summaryB.waitFor();
    await unreadMark.waitFor();
    expect((await clientB.chat.get.query({ conversationId })).threadUnread).toEqual({ threads: 1, replies: 1 });

    await summaryB.click();
    await repliesIn(b).filter({ hasText: 'The noodle place' }).waitFor();
    await unreadMark.waitFor({ state: 'detached' });
    expect(await threadPanel(b).getByRole('button', { name: 'Unfollow thread' }).count()).toBe(1);

    await replyInPanel(b, 'Deal, at seven');
    await repliesIn(a).filter({ hasText: 'Deal, at seven' }).waitFor();
    expect(await repliesIn(a).allInnerTexts()).toEqual([expect.stringContaining('The noodle place'), expect.stringContaining('Deal, at seven')]);
    await rootRowA.getByRole('button', { name: /^Open thread: 2 replies/ }).waitFor();
    // Replies stay out of the main log.
    expect(await messagesIn(a, bob.username).filter({ hasText: 'Deal, at seven' }).count()).toBe(0);

    // Unfollowing is the server's state too. The name is exact: "Unfollow thread" contains "follow thread".
    await threadPanel(b).getByRole('button', { name: 'Unfollow thread' }).click();
    await threadPanel(b).getByRole('button', { name: 'Follow thread', exact: true }).waitFor();
    expect((await clientB.chat.thread.query({ rootId: root.id })).following).toBe(false);
    expect((await clientA.chat.get.query({ conversationId })).threadUnread).toEqual({ threads: 0, replies: 0 });
  });
});
