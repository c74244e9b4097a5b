// The chat screen as a person finds it: the conversation list, a conversation's message log
// (role=log named after the conversation, one listitem per message), the "Message" box and
// "Send", and the "Reconnecting…" status while the socket is down.
import { randomUUID } from 'node:crypto';
import type { ChorusClient } from '@chorus/client';
import type { Page } from '@chorus/testing';

export const messageLog = (page: Page, conversation: string) => page.getByRole('log', { name: conversation, exact: true });
export const messagesIn = (page: Page, conversation: string) => messageLog(page, conversation).getByRole('listitem');
export const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message' });
export const reconnectingStatus = (page: Page) => page.getByRole('status').filter({ hasText: /reconnecting/i });

/** Opens a conversation from the list by its name (a direct one is named after the other person). */
export async function openConversation(page: Page, conversation: string): Promise<void> {
  const log = messageLog(page, conversation);
  if (await log.isVisible()) return;
  const entry = page.getByRole('link', { name: conversation }).or(page.getByRole('button', { name: conversation }));
  await entry.first().click();
  await log.waitFor();
}

/** Types into the message box and presses Send. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await messageBox(page).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** The texts of the messages the log shows, in order. */
export async function messageTexts(page: Page, conversation: string): Promise<string[]> {
  return (await messagesIn(page, conversation).allInnerTexts()).map((text) => text.trim());
}

/** The id of the verified user called `username`, as `client` sees them. */
export async function userIdOf(client: ChorusClient, username: string): Promise<number> {
  const found = (await client.users.search.query({ query: username })).find((user) => user.username === username);
  if (!found) throw new Error(`no user named ${username}`);
  return found.id;
}

/** Makes two signed-in clients friends (a request, accepted) and opens their direct conversation. */
export async function befriend(a: ChorusClient, b: ChorusClient, bUsername: string): Promise<{ conversationId: number }> {
  const request = await a.friends.request.mutate({ userId: await userIdOf(a, bUsername) });
  await b.friends.respond.mutate({ requestId: request.id, accept: true });
  const { conversationId } = await a.chat.openDirect.mutate({ userId: await userIdOf(a, bUsername) });
  return { conversationId };
}

/** A text message from a Node client. */
export function sendText(client: ChorusClient, conversationId: number, text: string) {
  return client.chat.send.mutate({ conversationId, clientId: randomUUID(), kind: 'text', text });
}
