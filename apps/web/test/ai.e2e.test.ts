// The AI screens in a real browser, against the fake OpenAI-compatible provider the stack offers
// as the system provider "House": an answer streamed token by token, stopped and regenerated;
// a provider's refusal; the providers page; image generation.
import { setTimeout as sleep } from 'node:timers/promises';
import { closeChorusClient } from '@chorus/client';
import { clientOfContext, fakeWords, isTitleRequest, type FakeOpenAi, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messageBox, sendText } from './chat';
import { newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, type WebUser, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;
let ai: FakeOpenAi;
// One user for the file (signing up takes seconds); each test starts from the AI screen.
let userPage: Page;
let user: WebUser;

beforeAll(async () => {
  stack = await startWebStack({ ai: true });
  if (!stack.ai) throw new Error('the stack started without its fake provider');
  ai = stack.ai;
  ({ page: userPage, user } = await newUserPage(suite.browser, stack));
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

/** The user's page on a new conversation of the AI screen. */
async function openAi(): Promise<Page> {
  await userPage.getByRole('link', { name: 'AI', exact: true }).click();
  await userPage.getByRole('link', { name: 'New conversation' }).click();
  return userPage;
}

/** The last answer in the conversation's log. */
const lastAnswer = (page: Page) => page.getByRole('log').getByRole('listitem').filter({ hasText: 'Assistant' }).last();

describe('AI in the browser', () => {
  it('streams an answer token by token, stops it mid-stream, regenerates it, and titles the conversation live', async () => {
    let reply: 'slow' | 'short' = 'slow';
    ai.respondWith((request) => {
      if (isTitleRequest(request)) return { tokens: ['Story', ' time'] };
      return reply === 'slow' ? { tokens: fakeWords(400), tokensPerSecond: 25 } : { tokens: ['A', ' fresh', ' answer'] };
    });
    const page = await openAi();
    await page.getByLabel('Message').fill('Tell me a long story');
    await page.getByLabel('Message').press('Enter');

    const answer = lastAnswer(page);
    const text = answer.locator('.ai-text');
    // The text grows over several observations: tokens arrive as they are generated.
    const seen: number[] = [];
    await expect
      .poll(
        async () => {
          const length = (await text.innerText().catch(() => '')).length;
          if (length > (seen.at(-1) ?? 0)) seen.push(length);
          return seen.length;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(4);

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => answer.getAttribute('data-status')).toBe('stopped');
    await expect.poll(() => answer.getByText('Stopped', { exact: true }).isVisible()).toBe(true);
    const stopped = await text.innerText();
    await sleep(600);
    expect(await text.innerText()).toBe(stopped);
    expect(stopped.trim().split(' ').length).toBeLessThan(400);
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);

    reply = 'short';
    await answer.getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => answer.getAttribute('data-status')).toBe('complete');
    expect(await text.innerText()).toBe('A fresh answer');
    // The title the provider wrote after the first complete exchange arrives by event.
    await expect.poll(() => page.getByRole('link', { name: 'Story time' }).isVisible()).toBe(true);
  });

  it('after a server restart mid-answer the page reconnects to the answer and shows its partial text once, in order, as interrupted', async () => {
    ai.respondWith((request) => (isTitleRequest(request) ? undefined : { tokens: fakeWords(400), tokensPerSecond: 25 }));
    const page = await openAi();
    await page.getByLabel('Message').fill('Keep talking');
    await page.getByLabel('Message').press('Enter');
    const answer = lastAnswer(page);
    const text = answer.locator('.ai-text');
    await expect.poll(async () => (await text.innerText().catch(() => '')).length, { timeout: 10_000 }).toBeGreaterThan(20);

    // The server's shutdown ends the generation; the page's stream reconnects (after the last event it saw) and gets its end.
    await stack.restart();
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
    expect(await answer.getByRole('alert').innerText()).toBe('The answer was interrupted.');
    const words = (await text.innerText()).trim().split(' ');
    expect(words.length).toBeGreaterThan(3);
    expect(words).toEqual(words.map((_, index) => `w${index}`));
  });

  it("shows the provider's failure as a sentence", async () => {
    ai.respondWith((request) => (isTitleRequest(request) ? undefined : { failStatus: 401 }));
    const page = await openAi();
    await page.getByLabel('Message').fill('Hello?');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = lastAnswer(page);
    await expect.poll(() => answer.getByRole('alert').innerText()).toBe('The provider refused the API key.');
    expect(await answer.getAttribute('data-status')).toBe('failed');
  });

  it('adds a provider, tests it (a working key, a refused one, the system provider), and deletes it', async () => {
    ai.respondWith(null);
    const page = await openAi();
    await page.getByRole('link', { name: 'Providers' }).click();
    const add = async (name: string, apiKey: string) => {
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Base URL').fill(ai.url);
      await page.getByLabel('API key').fill(apiKey);
      await page.getByLabel('Model').fill('fake-model');
      await page.getByRole('button', { name: 'Add provider' }).click();
      await expect.poll(() => page.getByRole('listitem').filter({ hasText: name }).count()).toBe(1);
      return page.getByRole('listitem').filter({ hasText: name });
    };
    const good = await add('Local fake', ai.apiKey);
    // The key is never shown again, only its last four characters.
    expect(await good.innerText()).toContain(`Key ending ${ai.apiKey.slice(-4)}`);
    expect(await page.content()).not.toContain(ai.apiKey);
    await good.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => good.getByRole('status').innerText()).toMatch(/^Works \(\d+ ms\)$/);
    // The operator's provider is tested by the id the list gives it (`system:house`); it cannot be deleted.
    const house = page.getByRole('listitem').filter({ hasText: 'House' });
    await house.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => house.getByRole('status').innerText()).toMatch(/^Works \(\d+ ms\)$/);
    expect(await house.getByRole('button', { name: 'Delete' }).count()).toBe(0);

    const bad = await add('Wrong key', 'sk-not-the-key');
    await bad.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => bad.getByRole('status').innerText()).toBe('The provider refused the API key');

    await bad.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('listitem').filter({ hasText: 'Wrong key' }).count()).toBe(0);
    expect(await page.getByRole('listitem').filter({ hasText: 'Local fake' }).count()).toBe(1);
  });

  it('generates an image and shows it from the same origin', async () => {
    const page = await openAi();
    await page.getByRole('link', { name: 'Images' }).click();
    await page.getByLabel('Prompt').fill('a red square');
    await page.getByRole('button', { name: 'Generate' }).click();
    const image = page.getByRole('img', { name: 'a red square' }).first();
    // Loaded with the session cookie: a broken image has no natural width.
    await expect.poll(() => image.evaluate((element) => (element as { naturalWidth?: number }).naturalWidth ?? 0)).toBeGreaterThan(0);
    expect(await image.getAttribute('src')).toMatch(/^\/ai\/images\/\d+$/);
  });

  it('suggests replies in a chat with a friend; a picked one fills the message box and is sent', async () => {
    ai.respondWith(() => ({ tokens: ['["Sounds good!", ', '"See you at 7", "Thanks"]'] }));
    const friend = await newUserPage(suite.browser, stack);
    const [mine, theirs] = await Promise.all([clientOfContext(userPage.context(), stack.url), clientOfContext(friend.page.context(), stack.url)]);
    try {
      const { conversationId } = await befriend(theirs, mine, user.username);
      await sendText(theirs, conversationId, 'Dinner at 7?');
      await userPage.goto(`${stack.url}/chat/${conversationId}`);
      await userPage.getByRole('button', { name: 'Suggest replies' }).click();
      await userPage.getByRole('button', { name: 'See you at 7' }).click();
      await expect.poll(() => messageBox(userPage).inputValue()).toBe('See you at 7');
      await messageBox(userPage).press('Enter');
      await expect
        .poll(async () => (await theirs.chat.history.query({ conversationId })).map((message) => message.text))
        .toEqual(['See you at 7', 'Dinner at 7?']);
    } finally {
      await Promise.allSettled([closeChorusClient(mine), closeChorusClient(theirs)]);
    }
  });
});
