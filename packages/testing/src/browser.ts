// Real Chromium for browser tests: Debian's package (installed by the global setup like MariaDB
// and Redis), driven by playwright-core, which never downloads a browser of its own.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESSION_COOKIE } from '@chorus/api';
import type { ChorusClient } from '@chorus/client';
import { findChromium, MissingBinariesError } from '@chorus/local-services';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, type TestContext } from 'vitest';
import { createTestClient } from './client';
import { repoRoot } from './paths';

export type { Browser, BrowserContext, ConsoleMessage, Locator, Page } from 'playwright-core';

/**
 * What this machine needs: no sandbox (tests run as root), no GPU, no QUIC or background
 * traffic (only the servers under test are reached), and fake camera, microphone and
 * permission prompts so calls and autoplaying media work without a person.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** How long a Playwright action or wait may take in contexts made here: well inside a test's own timeout, so a missing element fails with its locator named. */
export const ACTION_TIMEOUT_MS = 10_000;

/** Where failed tests leave their screenshots. */
export const SCREENSHOTS_DIR = join(repoRoot, '.data', 'screenshots');

/** Headless Chromium with CHROMIUM_ARGS (plus `args`). */
export async function launchBrowser(options: { args?: string[] } = {}): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new MissingBinariesError(['chromium'], ['chromium']);
  // Loaded here, not at the top: every test file imports this package, few launch a browser.
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}

/** Every open page of the browser, in context order. */
export function openPages(browser: Browser): Page[] {
  return browser.contexts().flatMap((context) => context.pages());
}

const fileSafe = (name: string) =>
  name
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120) || 'test';

/**
 * Writes a screenshot of every open page to SCREENSHOTS_DIR/<test name>-<n>.png and prints
 * the pages' console errors and uncaught exceptions. Returns the screenshot paths.
 */
export async function captureFailure(browser: Browser, testName: string, dir = SCREENSHOTS_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const report: string[] = [];
  for (const [index, page] of openPages(browser).entries()) {
    const n = index + 1;
    const file = join(dir, `${fileSafe(testName)}-${n}.png`);
    try {
      await writeFile(file, await page.screenshot({ fullPage: true, timeout: 5_000 }));
      written.push(file);
    } catch (error) {
      report.push(`page ${n}: no screenshot (${String(error)})`);
    }
    const errors = await pageErrorsOf(page);
    report.push(`page ${n} ${page.url()} → ${written.at(-1) ?? 'no screenshot'}`, ...errors.map((line) => `  ${line}`));
  }
  if (report.length > 0) console.error(`[browser] "${testName}" failed:\n${report.join('\n')}`);
  return written;
}

/** Console errors and uncaught exceptions of a page (Playwright keeps the last 200 of each). */
export async function pageErrorsOf(page: Page): Promise<string[]> {
  if (page.isClosed()) return [];
  const [messages, errors] = await Promise.all([page.consoleMessages({ filter: 'all' }).catch(() => []), page.pageErrors({ filter: 'all' }).catch(() => [])]);
  return [
    ...messages.filter((message) => message.type() === 'error').map((message) => `console.error: ${message.text()}`),
    ...errors.map((error) => `uncaught: ${error.stack ?? error.message}`),
  ];
}

/**
 * A Node client signed in as the browser context's user, from its HttpOnly session cookie for
 * `url`: to arrange what a test does not drive through the UI. Close it with closeChorusClient.
 */
export async function clientOfContext(context: BrowserContext, url: string): Promise<ChorusClient> {
  const cookie = (await context.cookies(url)).find((candidate) => candidate.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`the browser context has no ${SESSION_COOKIE} cookie for ${url}: not signed in`);
  return createTestClient(url, { token: cookie.value });
}

/** The console messages of the pages that match `pattern`, each as `<page url>: <text>`. */
export async function consoleMatches(pages: Page[], pattern: RegExp): Promise<string[]> {
  const found = await Promise.all(
    pages.map(async (page) => {
      const messages = page.isClosed() ? [] : await page.consoleMessages({ filter: 'all' }).catch(() => []);
      return messages.filter((message) => pattern.test(message.text())).map((message) => `${page.url()}: ${message.text()}`);
    }),
  );
  return found.flat();
}

export interface BrowserSuite {
  /** The file's browser (launched in beforeAll). */
  readonly browser: Browser;
  /** A fresh context (own cookies and storage, ACTION_TIMEOUT_MS); one made inside a test is closed when it ends. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
}

/**
 * One browser per test file: launched before the file's tests, closed after them. When a test
 * fails, every open page is photographed and its console errors printed (vitest's
 * `onTestFailed`), then the contexts the test opened are closed; a passing test's contexts are
 * closed when it finishes. Contexts opened in `beforeAll` live as long as the file.
 * `failOnConsole`: a passing test whose pages printed a console message it matches fails (a
 * framework's development warnings, which a screen should never cause), naming the messages.
 */
export function useBrowser(options: { args?: string[]; failOnConsole?: RegExp } = {}): BrowserSuite {
  let launched: Browser | undefined;
  const get = (): Browser => {
    if (!launched) throw new Error('useBrowser(): the browser is launched in beforeAll; use it inside hooks and tests');
    return launched;
  };

  beforeAll(async () => {
    launched = await launchBrowser(options);
  });
  afterAll(async () => {
    await launched?.close();
  });
  beforeEach((context: TestContext) => {
    const browser = get();
    const before = new Set(browser.contexts());
    const opened = () => browser.contexts().filter((candidate) => !before.has(candidate));
    const closeOpened = () => Promise.allSettled(opened().map((candidate) => candidate.close()));
    // onTestFinished runs before onTestFailed: a failed test's pages stay open for the capture.
    context.onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') return;
      const pages = opened().flatMap((candidate) => candidate.pages());
      const printed = options.failOnConsole ? await consoleMatches(pages, options.failOnConsole) : [];
      await closeOpened();
      if (printed.length > 0) throw new Error(`the pages printed what this suite forbids:\n${printed.join('\n')}`);
    });
    context.onTestFailed(async ({ task }) => {
      await captureFailure(browser, task.fullTestName);
      await closeOpened();
    });
  });

  return {
    get browser() {
      return get();
    },
    async newContext(contextOptions) {
      const context = await get().newContext(contextOptions);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      return context;
    },
  };
}
