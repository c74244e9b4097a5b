// The web stack itself: what every browser test stands on.
import { TEST_PASSWORD } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

// In-page code as a string: the tests' types have no DOM. A wrong login, answered by the API.
const wrongLogin = `fetch('/trpc/auth.login', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ json: { login: 'nobody@example.com', password: 'not a password' } }),
}).then(async (response) => ({ status: response.status, body: await response.text() }))`;

describe('web stack', () => {
  it('serves the built app at / and the API on the same origin, which the page may call', async () => {
    const page = await (await suite.newContext()).newPage();
    const response = await page.goto(stack.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    const answer = await page.evaluate<{ status: number; body: string }>(wrongLogin);
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('INVALID_CREDENTIALS');
  });

  it('restart() brings the server back on the same origin with the same data, and the page with it', async () => {
    const page = await (await suite.newContext()).newPage();
    await page.goto(stack.url);
    const account = await stack.accounts.register(`restarted_${process.pid}`);
    const { url } = stack;

    await stack.restart(async () => {
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      await expect(page.reload()).rejects.toThrow(/ERR_CONNECTION_REFUSED/);
      // The refused reload commits Chromium's error page after it rejects, and that page reloads
      // itself on a timer: either would interrupt the next navigation, so wait for it and leave it.
      await page.waitForURL(/^chrome-error:/);
      await page.goto('about:blank');
    });

    expect(stack.server.url).toBe(url);
    const session = await stack.accounts.anon().auth.login.mutate({ login: account.email, password: TEST_PASSWORD });
    expect(session.user.id).toBe(account.id);
    expect((await page.goto(stack.url))?.status()).toBe(200);
    expect((await page.evaluate<{ status: number }>(wrongLogin)).status).toBe(401);
  });
});
