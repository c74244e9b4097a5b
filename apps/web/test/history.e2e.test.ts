// A long conversation: the log is virtualized and loads older pages as one scrolls up.
import { clientOfContext, type Locator, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, messageLog, messagesIn, openConversation, sendText } from './chat';
import { newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

const COUNT = 320;
const label = (index: number) => `History ${String(index).padStart(3, '0')}`;

type Scrollable = { scrollTop: number; clientHeight: number };
const scrollToTop = (log: Locator) =>
  log.evaluate((element) => {
    (element as Scrollable).scrollTop = 0;
  });
/** Scrolls most of a screen down; true when it was at the bottom already. */
const scrollDown = (log: Locator) =>
  log.evaluate((element) => {
    const scrollable = element as Scrollable;
    const before = scrollable.scrollTop;
    scrollable.scrollTop += scrollable.clientHeight * 0.8;
    return scrollable.scrollTop === before;
  });

/** The "History nnn" texts of the rows in the DOM now, in order. */
async function renderedLabels(page: Page, conversation: string): Promise<string[]> {
  const texts = await messagesIn(page, conversation).allInnerTexts();
  return texts.map((text) => /History \d{3}/.exec(text)?.[0]).filter((text): text is string => text !== undefined);
}

describe('history', () => {
  it(`${COUNT} messages: scrolling up loads older pages, keeps rows in order and once each, and reaches the first`, { timeout: 120_000 }, async () => {
    const { page: a } = await newUserPage(suite.browser, stack);
    const { page: b, user: bob } = await newUserPage(suite.browser, stack);
    const [clientA, clientB] = await Promise.all([clientOfContext(a.context(), stack.url), clientOfContext(b.context(), stack.url)]);
    const { conversationId } = await befriend(clientA, clientB, bob.username);
    for (let index = 0; index < COUNT; index++) await sendText(index % 2 ? clientB : clientA, conversationId, label(index));
    await b.close();
    await a.reload();
    await openConversation(a, bob.username);
    const log = messageLog(a, bob.username);

    // Opens at the newest; only a window of rows is in the DOM.
    await messagesIn(a, bob.username)
      .filter({ hasText: label(COUNT - 1) })
      .waitFor();
    expect(await messagesIn(a, bob.username).count()).toBeLessThan(60);

    // Scroll to the top until the beginning shows; every render is in order without repeats.
    const first = messagesIn(a, bob.username).filter({ hasText: label(0) });
    const seen = new Set<string>();
    for (let attempt = 0; attempt < 60 && (await first.count()) === 0; attempt++) {
      await scrollToTop(log);
      await a.waitForTimeout(250);
      const labels = await renderedLabels(a, bob.username);
      expect(new Set(labels).size).toBe(labels.length);
      expect([...labels].sort()).toEqual(labels);
      for (const text of labels) seen.add(text);
    }
    await first.waitFor();
    await a.getByText('This is the beginning of the conversation.').waitFor();

    // Then down to the bottom again, a screen at a time: each message is met, and only once per screen.
    for (let step = 0; step < 200; step++) {
      const labels = await renderedLabels(a, bob.username);
      expect(new Set(labels).size).toBe(labels.length);
      for (const text of labels) seen.add(text);
      if (await scrollDown(log)) break;
      await a.waitForTimeout(50);
    }
    expect(seen.size).toBe(COUNT);
    await messagesIn(a, bob.username)
      .filter({ hasText: label(COUNT - 1) })
      .waitFor();
    expect(
      await messagesIn(a, bob.username)
        .filter({ hasText: label(COUNT - 1) })
        .count(),
    ).toBe(1);
  });
});
