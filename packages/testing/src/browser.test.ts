import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { captureFailure, consoleMatches, pageErrorsOf, useBrowser } from './browser';

const suite = useBrowser();
let server: Server;
let url: string;

// A page that logs an error and throws, as a broken app would.
const brokenPage = `<!doctype html><title>broken</title><h1>Broken</h1>
<script>console.error('boom from the page'); setTimeout(() => { throw new Error('uncaught in the page'); });</script>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(req.url === '/broken' ? brokenPage : '<!doctype html><title>ok</title><button>Hello</button>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('browser harness', () => {
  it("launches Debian's Chromium headless and drives a page by accessible names", async () => {
    const page = await (await suite.newContext()).newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Hello' }).click();
    expect(await page.title()).toBe('ok');
    expect(suite.browser.version()).toMatch(/^\d+\./);
  });

  it('fakes camera and microphone without a prompt, and autoplays', async () => {
    const page = await (await suite.newContext()).newPage();
    await page.goto(url);
    // In-page code as a string: this program's types have no DOM.
    const tracks = await page.evaluate<string[]>(`(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      const kinds = stream.getTracks().map((track) => track.kind);
      const video = document.createElement('video');
      video.srcObject = stream;
      await video.play(); // no user gesture here: needs the autoplay policy flag
      stream.getTracks().forEach((track) => track.stop());
      return kinds.sort();
    })()`);
    expect(tracks).toEqual(['audio', 'video']);
  });

  it('a context opened by a test is closed when the test ends', async () => {
    const before = suite.browser.contexts().length;
    await suite.newContext();
    expect(suite.browser.contexts().length).toBe(before + 1);
  });

  it('consoleMatches: the messages of the pages that match, whatever their level, named by page', async () => {
    const context = await suite.newContext();
    const [warned, quiet] = [await context.newPage(), await context.newPage()];
    await Promise.all([warned.goto(url), quiet.goto(url)]);
    await warned.evaluate("console.warn('Warning: a repeated key'); console.error('Warning: in render'); console.log('Warning is a word')");
    await quiet.evaluate("console.log('all fine')");
    const found = await consoleMatches([warned, quiet], /^Warning: /);
    expect(found).toEqual([`${url}/: Warning: a repeated key`, `${url}/: Warning: in render`]);
    await quiet.close();
    expect(await consoleMatches([quiet], /./)).toEqual([]);
  });

  it('the previous test left no context open', () => {
    expect(suite.browser.contexts()).toHaveLength(0);
  });

  it('on failure: a screenshot of every open page, and their console errors printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chorus-screens-'));
    try {
      const context = await suite.newContext();
      const [broken, fine] = [await context.newPage(), await context.newPage()];
      await Promise.all([broken.goto(`${url}/broken`), fine.goto(url)]);
      await expect.poll(() => pageErrorsOf(broken)).toHaveLength(2);
      const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
      const files = await captureFailure(suite.browser, 'chat > sends: a message', dir);
      const report = String(printed.mock.calls[0]?.[0]);
      printed.mockRestore();

      expect(files).toEqual([join(dir, 'chat-sends-a-message-1.png'), join(dir, 'chat-sends-a-message-2.png')]);
      for (const file of files) expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      expect(report).toContain('console.error: boom from the page');
      expect(report).toContain('uncaught: Error: uncaught in the page');
      expect(await pageErrorsOf(fine)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});

describe('browser harness with failOnConsole', () => {
  const strict = useBrowser({ failOnConsole: /^Warning: / });
  let failure: string | undefined;

  it('passes when its pages printed nothing the pattern forbids', async () => {
    const page = await (await strict.newContext()).newPage();
    await page.goto(url);
    await page.evaluate("console.log('Warning is a word'); console.error('an ordinary error')");
  });

  // The hook that ends a passing test throws, so the test fails: `fails` expects exactly that
  // (without the hook it would pass, and `fails` would report it). The next test reads why.
  it.fails('fails a passing test whose pages printed a forbidden message', async () => {
    onTestFailed(({ task }) => {
      failure = task.result?.errors?.map((error) => error.message).join('\n');
    });
    const page = await (await strict.newContext()).newPage();
    await page.goto(url);
    await page.evaluate("console.warn('Warning: two children with the same key')");
  });

  it('names the message and its page, and still closed the pages', () => {
    expect(failure).toBe(`the pages printed what this suite forbids:\n${url}/: Warning: two children with the same key`);
    expect(strict.browser.contexts()).toHaveLength(0);
  });
});
