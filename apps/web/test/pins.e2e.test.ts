// Pinning in the chat screen: one person pins from a message's actions, the other sees the pin
// above the log and unpins it there; both views follow live.
import { clientOfContext } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messagesIn, openConversation, sendText } from './chat';
import { newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

describe('pins', () => {
  it('a pinned message shows above the log for both people until one unpins it', async () => {
    const { page: a, user: alice } = await newUserPage(suite.browser, stack);
    const { page: b, user: bob } = await newUserPage(suite.browser, stack);
    const [clientA, clientB] = await Promise.all([clientOfContext(a.context(), stack.url), clientOfContext(b.context(), stack.url)]);
    const { conversationId } = await befriend(clientA, clientB, bob.username);
    await sendText(clientA, conversationId, 'The door code is 4242');
    await a.reload();
    await b.reload();
    await openConversation(a, bob.username);
    await openConversation(b, alice.username);

    const message = messagesIn(a, bob.username).filter({ hasText: 'The door code is 4242' });
    await message.hover();
    await message.getByRole('button', { name: 'Pin', exact: true }).click();
    const bobsBar = b.getByRole('group', { name: 'Pinned messages' });
    await bobsBar.getByText('1 pinned').waitFor();
    await messagesIn(b, alice.username).filter({ hasText: 'The door code is 4242' }).getByText('Pinned').waitFor();

    await bobsBar.getByText('1 pinned').click();
    await bobsBar.getByRole('button', { name: 'Unpin “The door code is 4242”' }).click();
    // Each page refetches its pins on the unpinned event, in its own time: wait for both.
    await a.getByRole('group', { name: 'Pinned messages' }).waitFor({ state: 'detached' });
    await bobsBar.waitFor({ state: 'detached' });
    expect((await clientB.chat.pins.query({ conversationId })).length).toBe(0);
  });
});
