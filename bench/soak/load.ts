// The soak's load process: every member's socket and subscription (member.ts), the open-loop
// sender, and the away member that leaves early and resumes at the end. Answers the requests
// of protocol.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs, sendUntilStopped } from '../lib/fixed-rate';
import { HttpMutations } from '../lib/http-mutation';
import { serveLoadRequests } from '../lib/load-process';
import { inParallel } from '../lib/members';
import { Issued, Member } from './member';
import type { ConnectResult, FinishResult, LeaveResult, ReplayResult, SoakRequest, SoakStatus } from './protocol';

interface Group {
  conversationId: number;
  senders: Member[];
}

let members: Member[] = [];
let away: Member | null = null;
/** The highest message number of its group the away member held when it left. */
let awayHighest = 0;
let groups: Group[] = [];
const issued = new Issued();
let sent = 0;
let failed = 0;
let inFlight = 0;
const errors: string[] = [];
let sendTimer: { stop(): void } | null = null;
const http = new HttpMutations(32);

const status = (): SoakStatus => ({ sent, failed, inFlight });
/** The members that stay connected to the end. */
const stayers = () => members.filter((member) => member !== away);

function startSending(url: string, ratePerS: number, calls: 'websocket' | 'http'): void {
  sendTimer = sendUntilStopped(ratePerS, (k) => {
    const group = groups[k % groups.length]!;
    const sender = group.senders[Math.floor(k / groups.length) % group.senders.length]!;
    const n = issued.next(group.conversationId);
    const input = { conversationId: group.conversationId, clientId: `soak-${group.conversationId}-${n}`, kind: 'text', text: String(n) };
    sent++;
    inFlight++;
    const done = (error?: string) => {
      inFlight--;
      if (!error) return;
      failed++;
      issued.fail(group.conversationId, n);
      if (errors.length < 5) errors.push(error.slice(0, 200));
    };
    if (calls === 'http') http.post(url, 'chat.send', sender.spec.token, input, done, { retryOnReset: true });
    else if (sender.wire) sender.wire.mutation('chat.send', input, done);
    else done('the sender has no socket');
  });
}

async function handle(req: SoakRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect': {
      members = req.members.map((spec) => new Member(spec));
      away = members.find((member) => member.spec.userId === req.awayUserId) ?? null;
      const byConversation = new Map<number, Group>();
      for (const member of members) {
        let group = byConversation.get(member.spec.conversationId);
        if (!group) byConversation.set(member.spec.conversationId, (group = { conversationId: member.spec.conversationId, senders: [] }));
        if (member.spec.sender && member !== away) group.senders.push(member);
      }
      groups = [...byConversation.values()].filter((group) => group.senders.length > 0);
      const t0 = nowMs();
      let notReady = 0;
      await inParallel(members, 50, async (member) => {
        await member.connect(req.url).catch(() => notReady++);
      });
      return { ms: Math.round(nowMs() - t0), failed: notReady } satisfies ConnectResult;
    }
    case 'send':
      startSending(req.url, req.ratePerS, req.calls);
      return null;
    case 'leave': {
      if (!away) throw new Error('no away member');
      const until = nowMs() + 30_000;
      while (away.received === 0 && nowMs() < until) await sleep(20);
      if (away.received === 0 || !away.lastEventId) throw new Error('the away member got no message of its group within 30 s');
      await away.close();
      awayHighest = away.highest;
      return { lastEventId: away.lastEventId, received: away.received } satisfies LeaveResult;
    }
    case 'status':
      return status();
    case 'finish':
      return finish(req.settleMs);
    case 'replay':
      return replay(req.url, req.lastEventId, req.timeoutMs);
    case 'close':
      await Promise.all(members.map((member) => member.close()));
      members = [];
      return null;
  }
}

async function finish(settleMs: number): Promise<FinishResult> {
  sendTimer?.stop();
  sendTimer = null;
  const until = nowMs() + settleMs;
  const connected = stayers();
  while (nowMs() < until && (inFlight > 0 || connected.some((member) => !member.complete(issued)))) await sleep(100);
  return {
    ...status(),
    members: connected.length,
    delivered: connected.reduce((sum, member) => sum + member.received, 0),
    lost: connected.reduce((sum, member) => sum + member.lost(issued), 0),
    duplicated: connected.reduce((sum, member) => sum + member.duplicated, 0),
    outOfOrder: connected.reduce((sum, member) => sum + member.outOfOrder, 0),
    resyncs: connected.reduce((sum, member) => sum + member.resyncReasons.length, 0),
    dropped: connected.filter((member) => member.dropped).length,
    errors,
  };
}

async function replay(url: string, lastEventId: string, timeoutMs: number): Promise<ReplayResult> {
  if (!away) throw new Error('no away member');
  const member = away;
  const conversationId = member.spec.conversationId;
  const upTo = issued.count.get(conversationId) ?? 0;
  const failedOf = issued.failed.get(conversationId);
  let expected = 0;
  for (let n = awayHighest + 1; n <= upTo; n++) if (!failedOf?.has(n)) expected++;
  const before = { received: member.received, duplicated: member.duplicated, outOfOrder: member.outOfOrder, resyncs: member.resyncReasons.length };
  let caughtUpMs: number | null = null;
  let error: string | null = null;
  try {
    caughtUpMs = Math.round(await member.connect(url, lastEventId, timeoutMs));
  } catch (cause) {
    error = cause instanceof Error ? cause.message : String(cause);
  }
  await member.close();
  return {
    expected,
    received: member.received - before.received,
    lost: member.lost(issued),
    duplicated: member.duplicated - before.duplicated,
    outOfOrder: member.outOfOrder - before.outOfOrder,
    resyncs: member.resyncReasons.length - before.resyncs,
    resyncReasons: member.resyncReasons.slice(before.resyncs),
    caughtUpMs,
    error,
  };
}

serveLoadRequests<SoakRequest>(handle);
