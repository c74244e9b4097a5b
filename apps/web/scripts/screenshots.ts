// The README's pictures of the web app, taken in Chromium against a real server:
//
//   node scripts/bootstrap.mjs tsx --conditions=@chorus/source apps/web/scripts/screenshots.ts
//
// writes docs/images/chat.png (a direct chat) and docs/images/friends.png (the friends screen).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { closeChorusClient } from '@chorus/client';
import { ACTION_TIMEOUT_MS, clientOfContext, repoRoot } from '@chorus/testing';
import { befriend, messagesIn, openConversation, sendMessage, sendText } from '../test/chat';
import { signUp } from '../test/harness';
import { startScriptStack } from './script-stack';

const log = (line: string) => console.error(`[screenshots] ${line}`);
const imagesDir = join(repoRoot, 'docs', 'images');

async function main(): Promise<void> {
  const { stack, browser, defer, close } = await startScriptStack('screenshots', log);
  try {
    await mkdir(imagesDir, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 }, locale: 'en-US' });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    const me = await signUp(page, stack, { email: 'ann@example.com', username: 'ann', password: 'correct horse battery' });
    const client = await clientOfContext(context, stack.url);
    defer(() => closeChorusClient(client));

    const bob = await stack.accounts.register('bob');
    const { conversationId } = await befriend(bob.client, client, me.username);
    const carol = await stack.accounts.register('carol');
    await befriend(carol.client, client, me.username);
    await bob.client.account.update.mutate({ displayName: 'Bob Lee' });
    await carol.client.account.update.mutate({ displayName: 'Carol Wu' });

    await sendText(bob.client, conversationId, 'Are we still on for the film tonight?');
    await sendText(bob.client, conversationId, 'I can bring the projector 🎬');
    await page.reload();
    await openConversation(page, 'Bob Lee');
    await sendMessage(page, 'Yes! 8 pm at mine. I made a watch-together room too.');
    const last = await bob.client.chat.history.query({ conversationId, limit: 1 });
    await bob.client.chat.react.mutate({ messageId: last[0]!.id, emoji: '👍' });
    await sendText(bob.client, conversationId, 'Perfect, see you there');
    await messagesIn(page, 'Bob Lee').filter({ hasText: 'see you there' }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(imagesDir, 'chat.png') });
    log('wrote docs/images/chat.png');

    await carol.client.friends.request.mutate({ userId: (await client.auth.me.query()).user.id }).catch(() => undefined);
    const dan = await stack.accounts.register('dan');
    await dan.client.friends.request.mutate({ userId: (await client.auth.me.query()).user.id, message: 'Hi from the film club!' });
    await page.getByRole('link', { name: 'Friends', exact: true }).click();
    await page.getByText('Carol Wu').first().waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(imagesDir, 'friends.png') });
    log('wrote docs/images/friends.png');
  } finally {
    await close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
