// Two people in two browser contexts chat live both ways through the chat screen.
import { clientOfContext, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messageBox, messageLog, messagesIn, openConversation, sendMessage } from './chat';
import { newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

/** Two signed-up people who are friends, each on the chat screen. */
async function twoFriends(): Promise<{ a: Page; b: Page; alice: string; bob: string; conversationId: number }> {
  const { page: a, user: alice } = await newUserPage(suite.browser, stack);
  const { page: b, user: bob } = await newUserPage(suite.browser, stack);
  const [clientA, clientB] = await Promise.all([clientOfContext(a.context(), stack.url), clientOfContext(b.context(), stack.url)]);
  const { conversationId } = await befriend(clientA, clientB, bob.username);
  return { a, b, alice: alice.username, bob: bob.username, conversationId };
}

const row = (page: Page, conversation: string, text: string) => messagesIn(page, conversation).filter({ hasText: text });

describe('chat', () => {
  it('sends and receives live both ways, with reactions, edits, typing and read markers', async () => {
    const { a, b, alice, bob } = await twoFriends();

    // A starts the direct chat from "New chat" and sends; B sees it arrive, unread first.
    await a.getByRole('button', { name: 'New chat' }).click();
    await a.getByRole('button', { name: `Message ${bob}` }).click();
    await messageLog(a, bob).waitFor();
    await messageBox(a).fill('Hello Bob');
    await messageBox(a).press('Enter');
    await row(a, bob, 'Hello Bob').waitFor();
    await b.getByRole('link', { name: alice }).getByLabel('1 unread').waitFor();
    await openConversation(b, alice);
    await row(b, alice, 'Hello Bob').waitFor();

    // B answers with the Send button; A sees it.
    await sendMessage(b, 'Hi Alice');
    await row(a, bob, 'Hi Alice').waitFor();

    // B reacts; A sees the count.
    const bobsView = row(b, alice, 'Hello Bob');
    await bobsView.hover();
    await bobsView.getByRole('button', { name: 'React', exact: true }).click();
    await bobsView.getByRole('button', { name: 'React with 👍' }).click();
    await row(a, bob, 'Hello Bob').getByRole('button', { name: '👍 1' }).waitFor();

    // A edits; B sees the new text, marked edited.
    const alicesView = row(a, bob, 'Hello Bob');
    await alicesView.hover();
    await alicesView.getByRole('button', { name: 'Edit', exact: true }).click();
    await a.getByRole('textbox', { name: 'Edit message' }).fill('Hello Bob, edited');
    await a.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await row(b, alice, 'Hello Bob, edited').filter({ hasText: '(edited)' }).waitFor();

    // B types; A sees it.
    await messageBox(b).pressSequentially('still typ');
    await a
      .getByRole('status')
      .filter({ hasText: `${bob} is typing…` })
      .waitFor();

    // A writes again; B has the chat open at the bottom, so it is read, and A sees "Seen".
    await sendMessage(a, 'Are you there?');
    await row(b, alice, 'Are you there?').waitFor();
    await row(a, bob, 'Are you there?').getByText('Seen', { exact: true }).waitFor();

    // Every message shows once on each side.
    for (const [page, name] of [
      [a, bob],
      [b, alice],
    ] as const) {
      expect(await row(page, name, 'Hello Bob, edited').count()).toBe(1);
      expect(await row(page, name, 'Hi Alice').count()).toBe(1);
      expect(await row(page, name, 'Are you there?').count()).toBe(1);
    }
  });

  it('a send that fails shows Retry; the retry delivers it once', async () => {
    const { a, b, alice, bob } = await twoFriends();
    await a.reload();
    await openConversation(a, bob);
    await a.context().setOffline(true);
    await sendMessage(a, 'Sent while offline');
    const failed = row(a, bob, 'Sent while offline');
    await failed.getByRole('button', { name: 'Retry' }).waitFor();
    await a.context().setOffline(false);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await failed.getByRole('button', { name: 'Retry' }).waitFor({ state: 'detached' });

    await b.reload();
    await openConversation(b, alice);
    await row(b, alice, 'Sent while offline').waitFor();
    // The answer and the live event (after the socket came back) are the same message.
    await b.waitForTimeout(500);
    expect(await row(a, bob, 'Sent while offline').count()).toBe(1);
    expect(await row(b, alice, 'Sent while offline').count()).toBe(1);
  });

  it('replies quote the message; deleting shows "Message deleted" to both', async () => {
    const { a, b, alice, bob } = await twoFriends();
    await a.reload();
    await openConversation(a, bob);
    await sendMessage(a, 'Pizza tonight?');
    await b.reload();
    await openConversation(b, alice);
    const original = row(b, alice, 'Pizza tonight?');
    await original.hover();
    await original.getByRole('button', { name: 'Reply', exact: true }).click();
    await b.getByText(`Replying to ${alice}`).waitFor();
    await sendMessage(b, 'Yes please');
    await row(a, bob, 'Yes please').getByRole('blockquote').filter({ hasText: 'Pizza tonight?' }).waitFor();

    const mine = row(a, bob, 'Pizza tonight?').first();
    await mine.hover();
    await mine.getByRole('button', { name: 'Delete', exact: true }).click();
    await mine.getByRole('button', { name: 'Delete for everyone' }).click();
    await messagesIn(b, alice).filter({ hasText: 'Message deleted' }).first().waitFor();
    expect(await messagesIn(b, alice).filter({ hasText: 'Pizza tonight?' }).count()).toBe(0);
  });
});
