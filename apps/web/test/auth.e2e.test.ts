import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enterCode,
  fillSignIn,
  fillSignUp,
  newUser,
  openApp,
  signIn,
  signOut,
  signOutButton,
  signUp,
  startWebStack,
  STACK_TIMEOUT_MS,
  type WebStack,
  useWebBrowser,
} from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

const newPage = async () => (await suite.newContext()).newPage();
/** UI waits: the app's answer, not a fixed pause. */
const eventually = { timeout: 10_000 };

describe('signing up and in, in the browser', () => {
  it('signs up with the emailed code into an HttpOnly cookie session that survives a reload; signs out and in again', async () => {
    const page = await newPage();
    const user = await signUp(page, stack);

    const session = (await page.context().cookies(stack.url)).find((cookie) => cookie.name === 'chorus_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // In-page code as a string: the tests' types have no DOM.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('chorus_session');
    await page.reload();
    await signOutButton(page).waitFor();

    await signOut(page);
    expect((await page.context().cookies(stack.url)).map((cookie) => cookie.name)).not.toContain('chorus_session');
    await page.reload();
    await expect.poll(() => page.getByLabel('Password', { exact: true }).isVisible(), eventually).toBe(true);

    await signIn(page, stack, user);
    await page.reload();
    await signOutButton(page).waitFor();
  });

  it('signs in by username too', async () => {
    const page = await newPage();
    const user = await signUp(page, stack);
    await signOut(page);
    await signIn(page, stack, user, 'username');
  });

  it('a wrong password shows an error and stays signed out; the right one then signs in', async () => {
    const page = await newPage();
    const user = await signUp(page, stack);
    await signOut(page);

    await fillSignIn(page, user.email, 'not the password');
    await expect.poll(() => page.getByRole('alert').innerText(), eventually).toMatch(/\S/);
    expect(await signOutButton(page).isVisible()).toBe(false);
    expect((await page.context().cookies(stack.url)).map((cookie) => cookie.name)).not.toContain('chorus_session');

    await fillSignIn(page, user.email, user.password);
    await signOutButton(page).waitFor();
  });

  it('a wrong verification code shows an error; the emailed one then signs in', async () => {
    const page = await newPage();
    const user = newUser('coder');
    await openApp(page, stack);
    await fillSignUp(page, user);
    const code = await stack.accounts.codeFor(user.email);

    await enterCode(page, code === '000000' ? '111111' : '000000');
    await expect.poll(() => page.getByRole('alert').innerText(), eventually).toMatch(/\S/);
    expect(await signOutButton(page).isVisible()).toBe(false);

    await enterCode(page, code);
    await signOutButton(page).waitFor();
  });

  it('an email already taken shows an error instead of a code field', async () => {
    const first = await newPage();
    const taken = await signUp(first, stack);
    const page = await newPage();
    await openApp(page, stack);
    await fillSignUp(page, { ...newUser('late'), email: taken.email });
    await expect.poll(() => page.getByRole('alert').innerText(), eventually).toMatch(/\S/);
    expect(await page.getByLabel('Verification code', { exact: true }).isVisible()).toBe(false);
  });

  it('continues as a guest with no email or password, in a session that survives a reload', async () => {
    const page = await newPage();
    await page.goto(stack.url);
    const mailsBefore = stack.mail.messages.length;
    await page.getByRole('button', { name: 'Continue as guest', exact: true }).click();
    await signOutButton(page).waitFor();
    await page.getByText('You are using a guest account.').waitFor();
    await page.reload();
    await signOutButton(page).waitFor();
    expect(stack.mail.messages.length).toBe(mailsBefore);
    expect((await page.context().cookies(stack.url)).find((cookie) => cookie.name === 'chorus_session')?.httpOnly).toBe(true);
  });

  it('speaks Chinese to a browser set to Chinese: labels and buttons name their fields and actions', async () => {
    const page = await (await suite.newContext({ locale: 'zh-CN' })).newPage();
    await openApp(page, stack);
    await page.getByLabel('邮箱或用户名', { exact: true }).waitFor();
    await page.getByLabel('密码', { exact: true }).waitFor();
    await page.getByRole('button', { name: '登录', exact: true }).waitFor();
    await page.getByRole('link', { name: /注册/ }).click();
    for (const label of ['邮箱', '用户名', '密码']) await page.getByLabel(label, { exact: true }).waitFor();
    await page.getByRole('button', { name: '注册', exact: true }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
  });
});
