// Persisted sends with push on vs off, same run: two instances (push/instance.ts, one writing a
// push job with every message, one not), each with direct conversations of its own whose
// receivers are offline with a Web Push device (so with push on every message is fanned out and
// delivered to the receiver). Closed-loop senders send chat.send and wait for the acknowledgement
// (the message stored), again and again; the instances take turns in alternating windows, so
// drift of the machine falls on both alike.
import { createECDH, randomBytes } from 'node:crypto';
import { conversationMembers, conversations, pushDevices } from '@chorus/db';
import { envNumber, sized } from '../lib/env';
import type { BenchStack, Cell } from '../lib/harness';
import { createMembers, type Member } from '../lib/members';
import { perSecond } from '../lib/stats';
import { closeChorusClient, createBenchClient, type ChorusClient } from '../lib/workspace';

export type PushMode = 'on' | 'off';

const SETTINGS = {
  senders: Math.floor(envNumber('BENCH_PUSH_SENDERS', sized(64, 4))),
  rounds: Math.floor(envNumber('BENCH_PUSH_SEND_ROUNDS', sized(5, 1))),
  windowMs: envNumber('BENCH_PUSH_WINDOW_MS', sized(3000, 300)),
  goalRatio: 0.9,
};

interface Sender {
  client: ChorusClient;
  conversationId: number;
  sent: number;
}

/** Direct conversations sender → receiver, each receiver with one device at the receiver. */
async function directPairs(stack: BenchStack, count: number, origin: string): Promise<Array<{ sender: Member; conversationId: number }>> {
  const { db } = stack.deps;
  const members = await createMembers(stack, count * 2);
  const now = new Date();
  const pairs: Array<{ sender: Member; conversationId: number }> = [];
  for (let index = 0; index < count; index++) {
    const sender = members[2 * index]!;
    const receiver = members[2 * index + 1]!;
    const [created] = await db.insert(conversations).values({ kind: 'direct', directKey: `${sender.id}:${receiver.id}`, createdAt: now, lastActivityAt: now });
    await db.insert(conversationMembers).values([
      { conversationId: created.insertId, userId: sender.id, joinedAt: now },
      { conversationId: created.insertId, userId: receiver.id, joinedAt: now },
    ]);
    const [[session]] = (await db.$client.query('SELECT id FROM sessions WHERE user_id = ? LIMIT 1', [receiver.id])) as unknown as [Array<{ id: string }>];
    await db.insert(pushDevices).values({
      userId: receiver.id,
      sessionId: session!.id,
      kind: 'webpush',
      fingerprint: randomBytes(32).toString('hex'),
      endpoint: `${origin}/push/${receiver.id}`,
      p256dh: createECDH('prime256v1').generateKeys().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    });
    pairs.push({ sender, conversationId: created.insertId });
  }
  return pairs;
}

async function runWindow(senders: Sender[], windowMs: number, tag: string): Promise<number> {
  const start = Date.now();
  const end = start + windowMs;
  let stored = 0;
  await Promise.all(
    senders.map(async (sender) => {
      while (Date.now() < end) {
        await sender.client.chat.send.mutate({
          conversationId: sender.conversationId,
          clientId: `${tag}-${sender.sent++}`,
          kind: 'text',
          text: `hello ${sender.sent}`,
        });
        stored++;
      }
    }),
  );
  return perSecond(stored, Date.now() - start);
}

export async function sendsWithPush(stack: BenchStack, urls: Record<PushMode, string>, origin: string): Promise<Array<Record<string, Cell>>> {
  const senders: Record<PushMode, Sender[]> = { on: [], off: [] };
  for (const mode of ['off', 'on'] as const) {
    for (const { sender, conversationId } of await directPairs(stack, SETTINGS.senders, origin)) {
      senders[mode].push({ client: createBenchClient(urls[mode], { token: sender.token }), conversationId, sent: 0 });
    }
  }
  const rates: Record<PushMode, number[]> = { on: [], off: [] };
  try {
    // A short warm-up of both before measuring.
    for (const mode of ['off', 'on'] as const) await runWindow(senders[mode], Math.min(500, SETTINGS.windowMs), `warm-${mode}`);
    for (let round = 0; round < SETTINGS.rounds; round++) {
      for (const mode of ['off', 'on'] as const) rates[mode].push(await runWindow(senders[mode], SETTINGS.windowMs, `r${round}-${mode}`));
    }
  } finally {
    await Promise.all([...senders.on, ...senders.off].map((sender) => closeChorusClient(sender.client)));
  }
  const mean = (values: number[]) => Math.round(values.reduce((sum, value) => sum + value, 0) / values.length);
  const off = mean(rates.off);
  const on = mean(rates.on);
  const ratio = on / off;
  return [
    { case: `persisted sends, push off (${SETTINGS.senders} closed-loop senders)`, 'sends/s': off },
    {
      case: `persisted sends, push on (every receiver offline with a device)`,
      'sends/s': on,
      goal: `${ratio.toFixed(2)}× of push off (goal ≥ ${SETTINGS.goalRatio}×: ${ratio >= SETTINGS.goalRatio ? 'met' : 'MISSED'})`,
    },
  ];
}
