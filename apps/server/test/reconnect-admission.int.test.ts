// A burst of resumed events.subscribe against an instance whose catch-up slots are all taken:
// the overflow is answered with 1013 and a retry hint (at once when the queue is full, after
// maxWaitMs when it waited too long), the real client waits for that hint before it reconnects,
// and every subscription resumes once slots are free. Nobody is left waiting.
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import { configureCatchUps, createSession, type CatchUpGate, type CatchUpPass } from '@chorus/api';
import { users } from '@chorus/db';
import { createTestClient, startTestServer, type TestServer } from '@chorus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: TestServer;
let gate: CatchUpGate;

beforeAll(async () => {
  server = await startTestServer();
  gate = configureCatchUps(server.deps, { concurrency: 2, maxQueued: 4, maxWaitMs: 400 });
});
afterAll(async () => {
  await server?.stop();
});

async function signedInUsers(count: number): Promise<string[]> {
  const now = new Date();
  const tag = `storm${Date.now().toString(36)}`;
  await server.deps.db.insert(users).values(
    Array.from({ length: count }, (_, i) => ({
      email: `${tag}_${i}@example.com`,
      username: `${tag}_${i}`,
      displayName: `${tag}_${i}`,
      passwordHash: null,
      emailVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
    })),
  );
  const rows = (await server.deps.db.select({ id: users.id, username: users.username }).from(users)).filter((row) => row.username.startsWith(`${tag}_`));
  return Promise.all(rows.map(async (row) => (await createSession(server.deps, row.id, { ip: '127.0.0.1', userAgent: 'test' })).token));
}

interface Watched {
  client: ChorusClient;
  opens: number[];
  closes: Array<{ at: number; code?: number; reason?: string }>;
  snapshot: Promise<void>;
}

/** A typed client resuming events.subscribe from a position (a resumption, so it needs a slot). */
function resume(token: string): Watched {
  const opens: number[] = [];
  const closes: Watched['closes'] = [];
  const client = createTestClient(server.url, {
    token,
    onSocketOpen: () => opens.push(Date.now()),
    // A CloseEvent's code and reason are getters: read, not spread.
    onSocketClose: (cause) => closes.push({ at: Date.now(), code: cause?.code, reason: (cause as { reason?: string } | undefined)?.reason }),
  });
  const snapshot = new Promise<void>((resolve, reject) => {
    client.events.subscribe.subscribe(
      { lastEventId: '1-0' },
      {
        onData: (event) => {
          if (event.data.type === 'presence.snapshot') resolve();
        },
        onError: reject,
      },
    );
  });
  return { client, opens, closes, snapshot };
}

const hintOf = (reason: string | undefined) => Number(/^overloaded; retry-ms=(\d+)$/.exec(reason ?? '')?.[1] ?? Number.NaN);

describe('catch-up admission under a burst', () => {
  it('refuses the overflow with retry hints the client honours, and resumes everyone once slots are free', async () => {
    const tokens = await signedInUsers(10);
    // Both slots held, as by two long catch-ups.
    const held = [await gate.enter(), await gate.enter()].map((admission) => (admission as { pass: CatchUpPass }).pass);
    const clients = tokens.map(resume);
    try {
      // Four wait (and are refused after maxWaitMs), six are refused at once: all ten told when to come back.
      const until = Date.now() + 5000;
      while (clients.some((watched) => watched.closes.length === 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const watched of clients) {
        expect(watched.closes[0]?.code).toBe(1013);
        expect(hintOf(watched.closes[0]?.reason)).toBeGreaterThanOrEqual(500);
      }
      expect(gate.waiting).toBe(0);
      for (const pass of held) pass.release();

      await Promise.all(clients.map((watched) => watched.snapshot));
      for (const watched of clients) {
        const [closed] = watched.closes;
        const reopened = watched.opens.find((at) => at > closed!.at);
        // The client came back no earlier than it was told to (timer slack aside), and not much later.
        expect(reopened! - closed!.at).toBeGreaterThanOrEqual(hintOf(closed!.reason) - 20);
        expect(reopened! - closed!.at).toBeLessThan(hintOf(closed!.reason) + 2000);
      }
      expect(gate.active).toBe(0);
    } finally {
      await Promise.all(clients.map((watched) => closeChorusClient(watched.client)));
    }
  }, 60_000);
});
