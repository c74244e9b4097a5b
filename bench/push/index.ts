// Push fan-out and delivery for a group of offline members: one instance (push/instance.ts) with
// the push workers, a local HTTPS receiver standing in for the Web Push service (it answers 201
// and records when each push arrived), every member offline with one Web Push device. The sender
// sends one message per round and waits until every member's push arrived; latency is from the
// message's creation time (taken just before its commit) to the receiver's arrival.
import { fork, type ChildProcess } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { conversationMembers, conversations, pushDevices } from '@chorus/db';
import { envNumber, sized } from '../lib/env';
import { log, type BenchReport, type BenchStack } from '../lib/harness';
import { createMembers } from '../lib/members';
import { listening } from '../lib/load-process';
import { percentiles } from '../lib/stats';
import { closeChorusClient, createBenchClient, loopbackCertificate } from '../lib/workspace';
import { sendsWithPush, type PushMode } from './sends';

const SETTINGS = {
  members: Math.floor(envNumber('BENCH_PUSH_MEMBERS', sized(1000, 20))),
  rounds: Math.floor(envNumber('BENCH_PUSH_ROUNDS', sized(10, 2))),
  roundTimeoutMs: 60_000,
  goalP99Ms: 2000,
};

/** A self-signed certificate for 127.0.0.1 (the instances trust it through NODE_EXTRA_CA_CERTS). */
async function makeCertificate(dir: string): Promise<{ cert: string; key: string; file: string }> {
  const pem = await loopbackCertificate();
  const file = join(dir, 'push-receiver.pem');
  writeFileSync(file, pem, { mode: 0o600 });
  return { cert: pem, key: pem, file };
}

function startInstance(stack: BenchStack, caFile: string, mode: PushMode): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(new URL('./instance.ts', import.meta.url), [stack.databaseUrl, stack.redisUrl, mode], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  return listening<{ url: string }>(child, 'push instance').then((ready) => ({ url: ready.url, child }));
}

/** Waits (up to a minute) until the sends' pushes are out, so the latency rounds start on an idle outbox. */
async function waitForQuiet(stack: BenchStack): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [[row]] = (await stack.deps.db.$client.query(
      "SELECT (SELECT count(*) FROM push_jobs) + (SELECT count(*) FROM push_outbox WHERE status = 'pending' AND next_attempt_at <= now(3)) AS n",
    )) as unknown as [Array<{ n: number }>];
    if (Number(row?.n ?? 0) === 0) return;
    await sleep(200);
  }
  log('push: the sends’ pushes were not all out after a minute; measuring latency anyway');
}

export async function push(stack: BenchStack): Promise<BenchReport> {
  const { db } = stack.deps;
  const tls = await makeCertificate(stack.dataDir);
  const arrivals: number[] = [];
  const receiver = createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    request.resume();
    request.on('end', () => {
      arrivals.push(Date.now());
      response.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Messages of the benchmarks before this one left push jobs (nobody had a device); no instance
  // ran their fan-out. They would be this instance's backlog, so they go.
  await db.$client.query('DELETE FROM push_jobs');
  const instance = await startInstance(stack, tls.file, 'on');
  const withoutPush = await startInstance(stack, tls.file, 'off');
  try {
    const sendRows = await sendsWithPush(stack, { on: instance.url, off: withoutPush.url }, origin);
    await waitForQuiet(stack);
    const [sender, ...others] = await createMembers(stack, SETTINGS.members + 1);
    const now = new Date();
    const [created] = await db.insert(conversations).values({ kind: 'group', name: 'push bench', createdAt: now, lastActivityAt: now });
    const conversationId = created.insertId;
    const everyone = [sender!, ...others];
    // Everyone hears every message of this group (the default for groups is mentions only).
    await db.insert(conversationMembers).values(
      everyone.map((member, index) => ({
        conversationId,
        userId: member.id,
        role: index === 0 ? ('owner' as const) : ('member' as const),
        joinedAt: now,
        notifyLevel: 'all' as const,
      })),
    );
    const [sessionRows] = (await db.$client.query('SELECT id, user_id AS userId FROM sessions WHERE user_id IN (?)', [
      others.map((member) => member.id),
    ])) as unknown as [Array<{ id: string; userId: number }>];
    await db.insert(pushDevices).values(
      sessionRows.map((session) => ({
        userId: session.userId,
        sessionId: session.id,
        kind: 'webpush' as const,
        fingerprint: randomBytes(32).toString('hex'),
        endpoint: `${origin}/push/${session.userId}`,
        p256dh: createECDH('prime256v1').generateKeys().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      })),
    );
    const client = createBenchClient(instance.url, { token: sender!.token });
    const latencies: number[] = [];
    const roundMs: number[] = [];
    // When the fan-out's rows of the round were all written (seen by polling), from the same start.
    const writtenMs: number[] = [];
    try {
      for (let round = 0; round < SETTINGS.rounds; round++) {
        const before = arrivals.length;
        const [[last]] = (await db.$client.query('SELECT coalesce(max(id), 0) AS id FROM push_outbox')) as unknown as [Array<{ id: number }>];
        const sent = await client.chat.send.mutate({ conversationId, clientId: `push-bench-${round}`, kind: 'text', text: `round ${round}` });
        const [[row]] = (await db.$client.query('SELECT created_at AS createdAt FROM messages WHERE id = ?', [sent.id])) as unknown as [
          Array<{ createdAt: Date }>,
        ];
        const start = new Date(row!.createdAt).getTime();
        const deadline = Date.now() + SETTINGS.roundTimeoutMs;
        let written = false;
        while (arrivals.length - before < others.length) {
          if (!written) {
            const [[rows]] = (await db.$client.query('SELECT count(*) AS n FROM push_outbox WHERE id > ?', [last!.id])) as unknown as [Array<{ n: number }>];
            if (Number(rows!.n) >= others.length) {
              written = true;
              writtenMs.push(Date.now() - start);
            }
          }
          if (Date.now() > deadline)
            throw new Error(`push: round ${round} got ${arrivals.length - before} of ${others.length} pushes in ${SETTINGS.roundTimeoutMs} ms`);
          await sleep(5);
        }
        const got = arrivals.slice(before, before + others.length).map((at) => at - start);
        latencies.push(...got);
        roundMs.push(Math.max(...got));
        // The next message is not collapsed into pushes still waiting: every round is delivered whole.
        await sleep(200);
      }
    } finally {
      await closeChorusClient(client);
    }
    const stats = percentiles(latencies);
    const met = stats.p99 < SETTINGS.goalP99Ms;
    log(`push: ${SETTINGS.members} offline members, p99 commit→receiver ${stats.p99} ms (${met ? 'met' : 'MISSED'})`);
    return {
      bench: 'push',
      rows: [
        ...sendRows,
        {
          case: `group of ${SETTINGS.members} offline members, commit → push received`,
          pushes: stats.n,
          'p50 ms': stats.p50,
          'p90 ms': stats.p90,
          'p99 ms': stats.p99,
          'max ms': stats.max,
          goal: `p99 < ${SETTINGS.goalP99Ms} ms: ${met ? 'met' : 'MISSED'}`,
        },
      ],
      facts: {
        members: SETTINGS.members,
        rounds: SETTINGS.rounds,
        'slowest round ms': Math.max(...roundMs),
        'fan-out: all rows written, ms after the message (p50 / max of rounds)': `${percentiles(writtenMs).p50} / ${percentiles(writtenMs).max}`,
      },
      notes: [
        'latency from the message row’s created_at (taken just before the commit) to the local HTTPS receiver’s arrival; one instance runs the fan-out and the Web Push worker',
      ],
    };
  } finally {
    for (const child of [instance.child, withoutPush.child]) {
      child.send('stop');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await new Promise((resolve) => receiver.close(resolve));
  }
}
