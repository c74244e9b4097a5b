// The settings screen: a guest becomes a full account with the emailed code; profile, picture
// and password change; the sessions list ends another device's session, which that device notices.
import { noisePng, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconnectingStatus } from './chat';
import { fillSignIn, newUser, newUserPage, openApp, signIn, signOutButton, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await stack?.stop();
});

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
}

describe('settings', () => {
  it('a guest upgrades to a full account with the emailed code, keeping the session', async () => {
    const page = await (await suite.newContext()).newPage();
    await openApp(page, stack);
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await signOutButton(page).waitFor();
    await openSettings(page);

    // What needs a full account is not offered to a guest.
    await expect.poll(() => page.getByRole('region', { name: 'Sessions' }).count()).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: 'Change password' }).count()).toBe(0);

    const upgrade = page.getByRole('region', { name: 'Create your account' });
    const user = newUser('guest_up');
    const mailsBefore = stack.mail.messages.length;
    await upgrade.getByLabel('Email', { exact: true }).fill(user.email);
    await upgrade.getByLabel('Username', { exact: true }).fill(user.username);
    await upgrade.getByLabel('Password', { exact: true }).fill(user.password);
    await upgrade.getByRole('button', { name: 'Create account' }).click();
    const code = await stack.accounts.codeFor(user.email, mailsBefore);

    // A wrong code is refused and the form stays.
    await upgrade.getByLabel('Verification code', { exact: true }).fill(code === '000000' ? '111111' : '000000');
    await upgrade.getByRole('button', { name: 'Verify' }).click();
    await upgrade.getByRole('alert').waitFor();

    await upgrade.getByLabel('Verification code', { exact: true }).fill(code);
    await upgrade.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Your account is ready.').waitFor();
    await expect.poll(() => upgrade.count()).toBe(0);
    await page.getByRole('button', { name: 'Change password' }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Profile' }).getByLabel('Username', { exact: true }).inputValue()).toBe(user.username);

    // The new account signs in elsewhere with what the guest chose.
    const session = await stack.accounts.anon().auth.login.mutate({ login: user.email, password: user.password });
    expect(session.user).toMatchObject({ username: user.username, isGuest: false, emailVerified: true });
  });

  it('changes the display name, picture, password and email', async () => {
    const { page, user } = await newUserPage(suite.browser, stack, newUser('profile'));
    await openSettings(page);
    const profile = page.getByRole('region', { name: 'Profile' });

    await profile.getByLabel('Display name', { exact: true }).fill('Penny Profile');
    await profile.getByRole('button', { name: 'Save' }).click();
    await profile.getByText('Saved.').waitFor();
    await page.getByRole('banner').getByText('Penny Profile').waitFor();

    await profile.getByLabel('Avatar', { exact: true }).setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: noisePng(320, 240) });
    await profile.getByText('Your new picture is set.').waitFor();
    await expect.poll(() => profile.locator('img').first().getAttribute('src')).toMatch(/^\/files\/[\w-]+\/avatar-256$/);
    // Not an image: the server refuses it and says why.
    await profile.getByLabel('Avatar', { exact: true }).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    await profile.getByRole('alert').waitFor();

    const password = page.getByRole('region', { name: 'Password' });
    await password.getByText('Changing your password signs you out on every other device.').waitFor();
    await password.getByLabel('Current password', { exact: true }).fill('not my password');
    await password.getByLabel('New password', { exact: true }).fill('a brand new password');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByRole('alert').waitFor();
    await password.getByLabel('Current password', { exact: true }).fill(user.password);
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('Password changed.', { exact: true }).waitFor();

    // A new address is proven with the code mailed to it before it replaces the old one.
    const email = page.getByRole('region', { name: 'Email' });
    const newEmail = `new_${user.email}`;
    const mailsBefore = stack.mail.messages.length;
    await email.getByLabel('New email', { exact: true }).fill(newEmail);
    await email.getByRole('button', { name: 'Change email' }).click();
    await email.getByLabel('Verification code', { exact: true }).fill(await stack.accounts.codeFor(newEmail, mailsBefore));
    await email.getByRole('button', { name: 'Confirm' }).click();
    await email.getByText(`Your email is now ${newEmail}.`).waitFor();

    const session = await stack.accounts.anon().auth.login.mutate({ login: newEmail, password: 'a brand new password' });
    expect(session.user.displayName).toBe('Penny Profile');
  });

  it('lists both sessions, and revoking the other signs that browser out', async () => {
    const first = await newUserPage(suite.browser, stack, newUser('two_dev'));
    const second = await (await suite.newContext()).newPage();
    const sockets: Array<{ isClosed(): boolean }> = [];
    second.on('websocket', (socket) => sockets.push(socket));
    await signIn(second, stack, first.user);
    await expect.poll(() => sockets.length).toBe(1);

    await openSettings(first.page);
    const sessions = first.page.getByRole('list', { name: 'Sessions' });
    await expect.poll(() => sessions.getByRole('listitem').count()).toBe(2);
    const current = sessions.getByRole('listitem').filter({ hasText: 'This device' });
    await expect.poll(() => current.count()).toBe(1);
    await expect.poll(() => current.getByRole('button', { name: 'Revoke' }).count()).toBe(0);

    await sessions.getByRole('listitem').filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => sessions.getByRole('listitem').count()).toBe(1);

    // The other browser is told on its event stream and shows the sign-in screen.
    await second.getByRole('button', { name: 'Sign in', exact: true }).last().waitFor();
    await expect.poll(() => signOutButton(second).count()).toBe(0);
    // The server closed its socket (4401); signed out, it opens no other and shows no banner.
    await expect.poll(() => sockets[0]!.isClosed()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sockets).toHaveLength(1);
    expect(await reconnectingStatus(second).count()).toBe(0);
    // Signed in again, its event stream runs on a new socket with the new session.
    await fillSignIn(second, first.user.email, first.user.password);
    await signOutButton(second).waitFor();
    await expect.poll(() => sockets.length).toBe(2);
    expect(sockets[1]!.isClosed()).toBe(false);
    expect(await reconnectingStatus(second).count()).toBe(0);
    // This one is still signed in.
    await first.page.reload();
    await signOutButton(first.page).waitFor();

    // Every sign-in (the code that made the account, the password twice in the second browser) is in the history.
    await first.page.getByText('Show recent sign-ins').click();
    await expect.poll(() => first.page.getByRole('list', { name: 'Recent sign-ins' }).getByRole('listitem').filter({ hasText: 'Succeeded' }).count()).toBe(3);
  });
});
