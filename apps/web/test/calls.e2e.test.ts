// A 1:1 video call between two browser contexts, with Chromium's fake camera and microphone:
// the caller presses "Video call" in their direct chat's header, the callee's "Incoming call" dialog
// accepts, and both RTCPeerConnections reach `connected` (negotiated only through calls.signal
// and each side's event stream), with the other's video playing. Then a declined call.
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import { clientOfContext, type Page } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, userIdOf } from './chat';
import { newUser, newUserPage, startWebStack, STACK_TIMEOUT_MS, type WebStack, useWebBrowser } from './harness';

const suite = useWebBrowser();
let stack: WebStack;
const clients: ChorusClient[] = [];

beforeAll(async () => {
  stack = await startWebStack();
}, STACK_TIMEOUT_MS);
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
  await stack?.stop();
});

/** A call button in the open direct chat's header. */
const chatHeaderButton = (page: Page, name: string) => page.locator('.conversation-head').getByRole('button', { name, exact: true });
const callPanel = (page: Page) => page.locator('[data-connection-state]');
const callStatus = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

/** The size of the video the page receives from the other party (0×0 until frames arrive). */
function remoteVideoSize(page: Page): Promise<number> {
  return page.evaluate<number>(`(() => {
    const video = document.querySelector('video[aria-label="Their camera"]');
    return video ? video.videoWidth * video.videoHeight : 0;
  })()`);
}

describe('calls', () => {
  it('connects a video call between two friends, both peer connections reaching connected, and hangs up', async () => {
    const [caller, callee] = await Promise.all([newUserPage(suite.browser, stack, newUser('caller')), newUserPage(suite.browser, stack, newUser('callee'))]);
    const [callerClient, calleeClient] = await Promise.all([
      clientOfContext(caller.page.context(), stack.url),
      clientOfContext(callee.page.context(), stack.url),
    ]);
    clients.push(callerClient, calleeClient);
    const { conversationId } = await befriend(callerClient, calleeClient, callee.user.username);
    // The caller opens their direct chat; the callee is on another screen.
    await caller.page.goto(`${stack.url}/chat/${conversationId}`);
    await chatHeaderButton(caller.page, 'Video call').click();
    await callStatus(caller.page, 'Ringing…').waitFor();

    const incoming = callee.page.getByRole('dialog', { name: 'Incoming call' });
    await incoming.getByText(`${caller.user.username} is video calling you`).waitFor();
    await incoming.getByRole('button', { name: 'Accept', exact: true }).click();
    expect(await incoming.count()).toBe(0);

    for (const page of [caller.page, callee.page]) {
      await page.locator('[data-connection-state="connected"]').waitFor({ timeout: 20_000 });
      await callStatus(page, 'Connected').waitFor();
      // The fake camera's frames arrive from the other side.
      await expect.poll(() => remoteVideoSize(page), { timeout: 10_000 }).toBeGreaterThan(0);
    }

    const mute = caller.page.getByRole('button', { name: 'Mute', exact: true });
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    const camera = callee.page.getByRole('button', { name: 'Camera off', exact: true });
    await camera.click();
    expect(await camera.getAttribute('aria-pressed')).toBe('true');

    await callee.page.getByRole('button', { name: 'Hang up', exact: true }).click();
    for (const page of [caller.page, callee.page]) await callStatus(page, 'Call ended').waitFor();
    expect(await callPanel(caller.page).getAttribute('data-connection-state')).toBe('closed');
    const [last] = (await callerClient.calls.history.query({})).items;
    expect(last).toMatchObject({ status: 'ended', outcome: 'completed', direction: 'outgoing', media: 'video' });
    expect(last!.durationSec).toBeGreaterThan(0);

    // A second call, declined: the caller is told, and no call stays open on either side.
    await chatHeaderButton(caller.page, 'Voice call').click();
    await callee.page.getByRole('dialog', { name: 'Incoming call' }).getByRole('button', { name: 'Decline', exact: true }).click();
    await callStatus(caller.page, 'Call declined').waitFor();
    const [declined] = (await calleeClient.calls.history.query({})).items;
    expect(declined).toMatchObject({ outcome: 'rejected', direction: 'incoming', media: 'audio' });
  }, 90_000);

  it('rings for a call started on another device and stops ringing when the caller cancels it', async () => {
    const [caller, callee] = await Promise.all([newUserPage(suite.browser, stack, newUser('ringer')), newUserPage(suite.browser, stack, newUser('rung'))]);
    const [callerClient, calleeClient] = await Promise.all([
      clientOfContext(caller.page.context(), stack.url),
      clientOfContext(callee.page.context(), stack.url),
    ]);
    clients.push(callerClient, calleeClient);
    await befriend(callerClient, calleeClient, callee.user.username);

    const { callId } = await callerClient.calls.start.mutate({ calleeId: await userIdOf(callerClient, callee.user.username), media: 'audio' });
    const incoming = callee.page.getByRole('dialog', { name: 'Incoming call' });
    await incoming.getByText(`${caller.user.username} is calling you`).waitFor();
    await callerClient.calls.cancel.mutate({ callId });
    await incoming.waitFor({ state: 'detached' });
    // Nothing was answered here: no call window either.
    expect(await callPanel(callee.page).count()).toBe(0);
  }, 60_000);
});
