// People using the app: sign-up and sign-in driven through the UI by its accessible names, as a
// person (or a screen reader) finds them, with the emailed code read from the fake mail server.
import type { Browser, Page } from '@chorus/testing';
import type { WebStack } from './harness';

export interface WebUser {
  email: string;
  username: string;
  password: string;
}

let made = 0;

/** A new user's details, unique within the test run (username 3–32 letters, digits or _). */
export function newUser(prefix = 'user'): WebUser {
  made += 1;
  const username = `${prefix}_${process.pid.toString(36)}_${made}`.slice(0, 32);
  return { email: `${username}@example.com`, username, password: 'correct horse battery' };
}

/** The app's first screen, unless the page already shows it. */
export async function openApp(page: Page, stack: WebStack): Promise<void> {
  if (!page.url().startsWith(stack.url)) await page.goto(stack.url);
}

/** The signed-in shell: its "Sign out" button. */
export function signOutButton(page: Page) {
  return page.getByRole('button', { name: 'Sign out', exact: true });
}

/** The auth screen's submit buttons share names with its switches ("Sign up" tab, "Sign up" button): the form's is last. */
function submit(page: Page, name: string) {
  return page.getByRole('button', { name, exact: true }).last();
}

/** Fills and submits the sign-up form (switching to it when the sign-in form shows), without waiting for the outcome. */
export async function fillSignUp(page: Page, user: WebUser): Promise<void> {
  const username = page.getByLabel('Username', { exact: true });
  if (!(await username.isVisible()))
    await page
      .getByRole('tab', { name: 'Sign up' })
      .or(page.getByRole('link', { name: 'Sign up' }))
      .first()
      .click();
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await username.fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await submit(page, 'Sign up').click();
}

/** Types a verification code and presses Verify. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Verification code', { exact: true }).fill(code);
  await submit(page, 'Verify').click();
}

/**
 * Signs up through the UI: email, username and password, then the code mailed to the address.
 * Resolves once the signed-in shell shows.
 */
export async function signUp(page: Page, stack: WebStack, user: WebUser = newUser()): Promise<WebUser> {
  await openApp(page, stack);
  const mailsBefore = stack.mail.messages.length;
  await fillSignUp(page, user);
  await enterCode(page, await stack.accounts.codeFor(user.email, mailsBefore));
  await signOutButton(page).waitFor();
  return user;
}

/** Signs in through the UI with email (or username) and password; resolves once the shell shows. */
export async function signIn(page: Page, stack: WebStack, user: Pick<WebUser, 'email' | 'password'>): Promise<void> {
  await openApp(page, stack);
  await fillSignIn(page, user);
  await signOutButton(page).waitFor();
}

/** Fills and submits the sign-in form without waiting for the outcome (tests of wrong passwords). */
export async function fillSignIn(page: Page, user: Pick<WebUser, 'email' | 'password'>): Promise<void> {
  const username = page.getByLabel('Username', { exact: true });
  if (await username.isVisible())
    await page
      .getByRole('tab', { name: 'Sign in' })
      .or(page.getByRole('link', { name: 'Sign in' }))
      .first()
      .click();
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await submit(page, 'Sign in').click();
}

/** A new browser context (own cookies) with a page signed up as a new user. */
export async function newUserPage(browser: Browser, stack: WebStack, user?: WebUser): Promise<{ page: Page; user: WebUser }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { page, user: await signUp(page, stack, user) };
}
