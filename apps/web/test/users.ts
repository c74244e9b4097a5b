// People using the app: sign-up and sign-in driven through the UI by its accessible names, as a
// person (or a screen reader) finds them, with the emailed code read from the fake mail server.
import { ACTION_TIMEOUT_MS, type Browser, type Page } from '@chorus/testing';
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
  // A fixed-width counter: no name is the start of another (locators match names by substring).
  const username = `${prefix}_${process.pid.toString(36)}_${String(made).padStart(3, '0')}`.slice(0, 32);
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

/** The auth screens link to each other ("New to Chorus? Sign up", "Already have an account? Sign in"). */
async function switchTo(page: Page, form: 'Sign up' | 'Sign in', field: string): Promise<void> {
  const wanted = page.getByLabel(field, { exact: true });
  const link = page.getByRole('link', { name: new RegExp(`${form}$`) });
  // Either screen may still be on its way (a sign-out just pressed): wait for one of them.
  await wanted.or(link).first().waitFor();
  if (await wanted.isVisible()) return;
  await link.click();
  await wanted.waitFor();
}

/** Presses "Sign out" and waits for the sign-in form. */
export async function signOut(page: Page): Promise<void> {
  await signOutButton(page).click();
  await page.getByLabel('Email or username', { exact: true }).waitFor();
}

/** Fills and submits the sign-up form (switching to it from sign-in), without waiting for the outcome. */
export async function fillSignUp(page: Page, user: WebUser): Promise<void> {
  await switchTo(page, 'Sign up', 'Username');
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Username', { exact: true }).fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign up', exact: true }).click();
}

/** Types a verification code and presses Verify. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Verification code', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
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

/** Fills and submits the sign-in form (switching to it from sign-up), without waiting for the outcome. */
export async function fillSignIn(page: Page, login: string, password: string): Promise<void> {
  await switchTo(page, 'Sign in', 'Email or username');
  await page.getByLabel('Email or username', { exact: true }).fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in through the UI with the user's email (or username); resolves once the shell shows. */
export async function signIn(
  page: Page,
  stack: WebStack,
  user: Pick<WebUser, 'email' | 'password'> & Partial<Pick<WebUser, 'username'>>,
  by: 'email' | 'username' = 'email',
): Promise<void> {
  const login = by === 'email' ? user.email : user.username;
  if (!login) throw new Error('signIn by username needs the username');
  await openApp(page, stack);
  await fillSignIn(page, login, user.password);
  await signOutButton(page).waitFor();
}

/** A new browser context (own cookies) with a page signed up as a new user. */
export async function newUserPage(browser: Browser, stack: WebStack, user?: WebUser): Promise<{ page: Page; user: WebUser }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  return { page, user: await signUp(page, stack, user) };
}
