// The admin screen: an administrator finds a user, bans them with a reason (their sessions end,
// sign-in is refused) and unbans them. Nobody else gets the screen.
import { isChorusError } from '@chorus/client';
import { TEST_PASSWORD, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserPage, signIn, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

/** What `admin:create` does to an existing account, straight in the database (the operator's tool is tested in apps/server). */
async function promote(email: string): Promise<void> {
  await stack.server.deps.db.$client.query("UPDATE users SET role = 'admin' WHERE email = ?", [email]);
}

async function loginAnswer(email: string): Promise<string> {
  try {
    await stack.accounts.anon().auth.login.mutate({ login: email, password: TEST_PASSWORD });
    return 'OK';
  } catch (error) {
    return isChorusError(error) ? (error.data?.appCode ?? 'unknown') : 'unknown';
  }
}

const row = (page: Page, username: string) =>
  page
    .getByRole('table', { name: 'Users' })
    .getByRole('row')
    .filter({ hasText: `@${username}` });

describe('admin', () => {
  it('is not offered to other users', async () => {
    const { page } = await newUserPage(suite.browser, stack);
    await expect.poll(() => page.getByRole('navigation').getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto(`${stack.url}/admin`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('finds a user, bans them with a reason and unbans them', async () => {
    const suffix = process.pid.toString(36);
    const admin = await stack.accounts.register(`root_${suffix}`);
    const target = await stack.accounts.register(`mallory_${suffix}`);
    await promote(admin.email);
    const page = await (await suite.newContext()).newPage();
    await signIn(page, stack, { email: admin.email, password: TEST_PASSWORD });
    await page.getByRole('navigation').getByRole('link', { name: 'Admin', exact: true }).click();

    await page.getByLabel('Search users', { exact: true }).fill(target.username);
    await expect.poll(() => page.getByRole('table', { name: 'Users' }).getByRole('row').count()).toBe(2); // header and the one match
    // Administrators cannot be banned: the admin's own row has no Ban button.
    await page.getByLabel('Search users', { exact: true }).fill(admin.username);
    await expect.poll(() => row(page, admin.username).count()).toBe(1);
    await expect.poll(() => row(page, admin.username).getByRole('button', { name: 'Ban' }).count()).toBe(0);

    await page.getByLabel('Search users', { exact: true }).fill(target.username);
    await row(page, target.username).getByRole('button', { name: 'Ban', exact: true }).click();
    await row(page, target.username).getByLabel('Reason', { exact: true }).fill('Spam');
    await row(page, target.username).getByRole('button', { name: 'Ban user' }).click();
    await row(page, target.username).getByText('Banned: Spam').waitFor();
    expect(await loginAnswer(target.email)).toBe('USER_BANNED');
    await expect(target.client.auth.me.query()).rejects.toMatchObject({ data: { appCode: 'UNAUTHORIZED' } });

    await page.getByLabel('Search users', { exact: true }).fill('');
    await page.getByLabel('Show', { exact: true }).selectOption('banned');
    await expect.poll(() => page.getByRole('table', { name: 'Users' }).getByRole('row').count()).toBe(2);
    await row(page, target.username).getByRole('button', { name: 'Unban' }).click();
    await page.getByText('No users match.').waitFor();
    expect(await loginAnswer(target.email)).toBe('OK');
  });
});
