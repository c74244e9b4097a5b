// An image sent through "Attach file": upload progress for the sender, the picture for the other.
import { clientOfContext, noisePng, type Locator } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messagesIn, openConversation } from './chat';
import { newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

/** How wide the picture an <img> loaded is (0 until it has loaded one). */
const naturalWidth = (image: Locator) => image.evaluate((element) => ('naturalWidth' in element ? Number(element.naturalWidth) : 0));

describe('attachments', () => {
  it('an image upload shows progress and renders for the other person; a file arrives as a download link', async () => {
    const { page: a, user: alice } = await newUserPage(suite.browser, stack);
    const { page: b, user: bob } = await newUserPage(suite.browser, stack);
    const [clientA, clientB] = await Promise.all([clientOfContext(a.context(), stack.url), clientOfContext(b.context(), stack.url)]);
    await befriend(clientA, clientB, bob.username);
    await Promise.all([a.reload(), b.reload()]);
    await openConversation(a, bob.username);
    await openConversation(b, alice.username);

    // A slow uplink, so the progress bar is there to see.
    const cdp = await a.context().newCDPSession(a);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 48 * 1024 });
    const png = noisePng(200, 150);
    await a.getByLabel('Attach file').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: png });
    const progress = a.getByRole('progressbar', { name: 'Uploading noise.png' });
    await progress.waitFor();
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(0);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await progress.waitFor({ state: 'detached', timeout: 20_000 });

    const image = messagesIn(b, alice.username).getByRole('img', { name: 'noise.png' });
    await image.waitFor();
    await expect.poll(() => naturalWidth(image)).toBeGreaterThan(0);
    expect(await messagesIn(a, bob.username).getByRole('img', { name: 'noise.png' }).count()).toBe(1);

    // The full size opens over the page.
    await image.click();
    const full = b.getByRole('dialog', { name: 'noise.png' }).getByRole('img', { name: 'noise.png' });
    await expect.poll(() => naturalWidth(full)).toBe(200);
    await b.getByRole('button', { name: 'Close' }).click();

    // Anything else goes as a file to download.
    await a.getByLabel('Attach file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('shopping list\n') });
    await messagesIn(b, alice.username).getByRole('link', { name: 'notes.txt' }).waitFor();
  });
});
