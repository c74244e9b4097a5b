// The in-browser halves of measure.ts: delivery latency and scrolling frame times.
import type { ChorusClient } from '@chorus/client';
import type { Locator, Page } from '@chorus/testing';
import { messagesIn, openConversation, sendText } from '../test/chat';
import { percentiles, type Percentiles } from './percentiles';
import { TRACE_CATEGORIES, traceFrames, type TraceFrames } from './measure-trace';

export type { Percentiles } from './percentiles';

// What the page keeps for the measurements (on window, set by the code below).
interface Probe {
  arrivals: Map<string, number>;
  frames: number[];
  stopFrames: boolean;
}

// The page's globals the in-page functions below use: this program has Node's types, not the DOM's.
interface PageNode {
  textContent: string | null;
}
declare const window: { chorusProbe: Probe };
declare const document: { body: unknown; querySelectorAll(selector: string): { forEach(callback: (node: PageNode) => void): void } };
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
declare function requestAnimationFrame(callback: (now: number) => void): number;

/** tsx compiles with esbuild's keepNames: functions sent to the page call its `__name` helper. */
async function defineNameHelper(page: Page): Promise<void> {
  await page.evaluate('globalThis.__name = (fn) => fn');
}

/**
 * Sends `count` messages one at a time (after 5 unmeasured ones) and times each from just before
 * `chat.send` to its element in the page's message log.
 */
export async function measureDelivery(page: Page, log: Locator, client: ChorusClient, conversationId: number, count: number): Promise<Percentiles> {
  await defineNameHelper(page);
  await log.waitFor();
  // The whole document: the log element may be replaced as the view loads; only text inside a log counts.
  await page.evaluate(() => {
    const arrivals = new Map<string, number>();
    window.chorusProbe = { arrivals, frames: [], stopFrames: false };
    // After every DOM change, the text of every message log (a change may add a row, a whole log
    // or a subtree around it). textContent runs the rows' texts together, so a token is found by
    // what follows it, not by a word boundary before it.
    new MutationObserver(() => {
      const at = performance.timeOrigin + performance.now();
      document.querySelectorAll('[role="log"]').forEach((log) => {
        for (const [, token] of (log.textContent ?? '').matchAll(/(delivery-\d+) at /g)) {
          if (token && !arrivals.has(token)) arrivals.set(token, at);
        }
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const samples: number[] = [];
  const warmup = 5;
  for (let i = 0; i < warmup + count; i++) {
    const token = `delivery-${i}`;
    const sentAt = Date.now();
    await sendText(client, conversationId, `${token} at ${sentAt}`);
    // Polled from here: waitForFunction compiles its predicate in the page, which the app's CSP forbids.
    const deadline = Date.now() + 10_000;
    while (!(await page.evaluate((wanted) => window.chorusProbe.arrivals.has(wanted), token))) {
      if (Date.now() > deadline) throw new Error(`${token} not seen; the log shows: ${JSON.stringify(await log.getByRole('listitem').allInnerTexts())}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const arrivedAt = await page.evaluate((wanted) => window.chorusProbe.arrivals.get(wanted) ?? NaN, token);
    if (i >= warmup) samples.push(arrivedAt - sentAt);
  }
  return percentiles(samples);
}

export interface ScrollFigure extends Percentiles {
  history: number;
  frames: number;
  /** The oldest message number rendered when scrolling stopped (0 = the very first). */
  oldestReached: number | null;
  /** The same scroll as Chromium's trace saw it: gaps between presented frames, dropped frames. */
  trace: TraceFrames;
}

/**
 * Sends `history` messages to a conversation through the API, opens it in the page and scrolls
 * up from the newest message by mouse wheel, recording the gaps between animation frames.
 */
export async function measureScrolling(
  page: Page,
  conversation: string,
  client: ChorusClient,
  conversationId: number,
  history: number,
  log: (line: string) => void,
): Promise<ScrollFigure> {
  log(`sending ${history} messages`);
  let next = 0;
  const sendNext = async (): Promise<void> => {
    while (next < history) {
      const n = next++;
      await sendText(client, conversationId, `History message ${n} — ${'lorem ipsum '.repeat(1 + (n % 7))}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, sendNext));
  await page.reload();
  await openConversation(page, conversation);
  await messagesIn(page, conversation).first().waitFor();

  const box = await messagesIn(page, conversation).last().boundingBox();
  if (!box) throw new Error('the message list is not on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await defineNameHelper(page);
  await page.evaluate(() => {
    const state: Probe = { arrivals: new Map(), frames: [], stopFrames: false };
    window.chorusProbe = state;
    let last = performance.now();
    const tick = (now: number) => {
      state.frames.push(now - last);
      last = now;
      if (!state.stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  log('scrolling');
  const browser = page.context().browser();
  if (!browser) throw new Error('tracing needs a launched browser');
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  for (let step = 0; step < 400; step++) {
    await page.mouse.wheel(0, -500);
    await page.waitForTimeout(20);
  }
  const trace = traceFrames(await browser.stopTracing());
  const frames = await page.evaluate(() => {
    window.chorusProbe.stopFrames = true;
    return window.chorusProbe.frames.slice(1);
  });
  const rendered = await messagesIn(page, conversation).allInnerTexts();
  const numbers = rendered.flatMap((text) => /History message (\d+)/.exec(text)?.[1] ?? []).map(Number);
  return { history, frames: frames.length, oldestReached: numbers.length ? Math.min(...numbers) : null, ...percentiles(frames), trace };
}
