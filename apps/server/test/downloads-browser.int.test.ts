// What real Chromium does with a download opened on its own (a new tab, a link): images and
// audio/video show in the browser's viewer under their Content-Security-Policy, HTML and SVG are
// saved as files and never rendered in the server's origin.
import { noisePng, startMailedTestServer, uploadWithTus, useBrowser, type MailedTestServer, type Page, type TestAccount } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentWav } from './wav-fixture';

const browser = useBrowser();
let a: MailedTestServer;
let ann: TestAccount;

beforeAll(async () => {
  a = await startMailedTestServer();
  ann = await a.accounts.register('ann');
});
afterAll(async () => {
  await a?.stop();
});

const upload = (data: Buffer, filename: string, filetype: string) =>
  uploadWithTus(a.server.url, data, { token: ann.token, filename, filetype }).then((result) => result.fileId);

/** A page signed in as Ann by her session cookie, as the web app's tab would be. */
async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.addCookies([{ name: 'chorus_session', value: ann.token, url: a.server.url }]);
  return context.newPage();
}

/** Console lines of a page that report a Content-Security-Policy refusal. */
function cspRefusals(page: Page): string[] {
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refusals.push(message.text());
  });
  return refusals;
}

describe('a download opened in a browser tab', () => {
  it('an image shows in the viewer with no CSP refusal', async () => {
    const fileId = await upload(noisePng(24, 16), 'photo.png', 'image/png');
    const page = await signedInPage();
    const refusals = cspRefusals(page);
    const response = await page.goto(`${a.server.url}/files/${fileId}`);
    expect(response?.status()).toBe(200);
    // Strings run in the page: this package's TypeScript has no DOM types.
    await page.waitForFunction('document.querySelector("img")?.naturalWidth === 24');
    expect(refusals).toEqual([]);
  });

  it('audio plays in the viewer: its media element may load the file', async () => {
    const fileId = await upload(silentWav(4000), 'beep.wav', 'audio/wav');
    const page = await signedInPage();
    const refusals = cspRefusals(page);
    await page.goto(`${a.server.url}/files/${fileId}`);
    // HAVE_METADATA or more: the viewer's <video> fetched the file and read its duration.
    await page.waitForFunction('(document.querySelector("video")?.readyState ?? 0) >= 1');
    expect(await page.evaluate<number>('document.querySelector("video").duration')).toBeCloseTo(0.5, 1);
    expect(refusals).toEqual([]);
  });

  it.each([
    { name: 'page.html', type: 'text/html', body: '<!doctype html><html><body><script>document.title = "ran"</script></body></html>' },
    { name: 'drawing.svg', type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "ran"</script></svg>' },
  ])('$name is saved as a file, never rendered', async ({ name, type, body }) => {
    const fileId = await upload(Buffer.from(body), name, type);
    const page = await signedInPage();
    const [download] = await Promise.all([page.waitForEvent('download'), page.goto(`${a.server.url}/files/${fileId}`).catch(() => null)]);
    expect(download.suggestedFilename()).toBe(name);
    expect(page.url()).toBe('about:blank');
    expect(await page.title()).not.toBe('ran');
  });
});
