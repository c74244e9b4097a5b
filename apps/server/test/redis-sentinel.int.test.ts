import { appErrorOf, startMailedTestServer, startTestRedisSentinel, type MailedTestServer, type TestAccount } from '@chorus/testing';
import { isChorusError } from '@chorus/client';
import { afterAll, beforeAll, expect, it } from 'vitest';

// A Chorus server on a Sentinel set (REDIS_SENTINELS + REDIS_SENTINEL_NAME) keeps serving chat
// when its Redis primary is SIGKILLed: sentinels promote the replica and the server follows.
let sentinel: Awaited<ReturnType<typeof startTestRedisSentinel>>;
let env: MailedTestServer;
let ann: TestAccount;
let ben: TestAccount;

beforeAll(async () => {
  sentinel = await startTestRedisSentinel({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
  env = await startMailedTestServer({ redisUrl: sentinel.url });
  ann = await env.accounts.register('ann');
  ben = await env.accounts.register('ben');
});
afterAll(async () => {
  await env?.stop();
  await sentinel?.stop();
});

/**
 * chat.send as a client retries it: a failure must be UNAVAILABLE with a retryAfter, and the
 * retry carries the same clientId. Returns the message and the failures seen on the way.
 */
async function sendRetrying(input: { conversationId: number; clientId: string; kind: 'text'; text: string }, deadlineMs = 30_000) {
  const failures: { code: string | null; retryAfter: unknown }[] = [];
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return { message: await ann.client.chat.send.mutate(input), failures };
    } catch (error) {
      if (!isChorusError(error) || Date.now() > deadline) throw error;
      const retryAfter = error.data?.retryAfter;
      failures.push({ code: appErrorOf(error).code, retryAfter });
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, typeof retryAfter === 'number' ? retryAfter * 1000 : 1000)));
    }
  }
}

it('keeps serving chat.send and chat.history through a failover, with exactly one message per clientId', async () => {
  const { conversationId } = await ann.client.chat.openDirect.mutate({ userId: ben.id });
  await ann.client.chat.send.mutate({ conversationId, clientId: 'before', kind: 'text', text: 'before' });

  const killed = await sentinel.kill();
  // Sent while the sentinels have yet to notice the primary is gone.
  const during = await sendRetrying({ conversationId, clientId: 'during', kind: 'text', text: 'during' });
  for (const failed of during.failures) {
    expect(failed.code).toBe('UNAVAILABLE');
    expect(typeof failed.retryAfter).toBe('number');
  }

  const promoted = await sentinel.waitForFailover();
  expect(promoted).not.toBe(killed);
  // The same clientId once more after the failover: the first message, not a second one.
  const again = await sendRetrying({ conversationId, clientId: 'during', kind: 'text', text: 'during' });
  expect(again.message.id).toBe(during.message.id);
  const after = await sendRetrying({ conversationId, clientId: 'after', kind: 'text', text: 'after' });
  expect(after.failures).toEqual([]);

  const history = await ben.client.chat.history.query({ conversationId });
  expect(history.map((message) => message.text).sort()).toEqual(['after', 'before', 'during']);
}, 60_000);
