// The storm's load process: every subscribed client (Chorus: chorus-client.ts; Socket.IO:
// socketio-client.ts), the open-loop sender, and the kill of an instance, timed on this
// process's clock. Answers the requests of protocol.ts.
import { nowMs, sendUntilStopped } from '../lib/fixed-rate';
import { HttpMutations } from '../lib/http-mutation';
import { serveLoadRequests } from '../lib/load-process';
import { inParallel } from '../lib/members';
import { ChorusStormClient, type ReconnectCounters } from './chorus-client';
import type { ConnectResult, StormRequest, StormResult, StormStatus, StormSystem } from './protocol';
import { SocketIoSender, SocketIoStormClient } from './socketio-client';
import { Delivered, Sends } from './tracker';

interface Client {
  ready: Promise<void>;
  close(): void;
  recovered?: number;
}

let system: StormSystem = 'chorus';
let clients: Client[] = [];
let delivered: Delivered[] = [];
let sends = new Sends();
let killedAt: number | null = null;
let counters: ReconnectCounters = { failedAttempts: 0, hinted: 0, hintMsTotal: 0 };
let sendTimer: { stop(): void } | null = null;
let inFlight = 0;
let sioSender: SocketIoSender | null = null;
const http = new HttpMutations(64);

async function handle(req: StormRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect': {
      system = req.system;
      sends = new Sends();
      killedAt = null;
      counters = { failedAttempts: 0, hinted: 0, hintMsTotal: 0 };
      delivered = req.clients.map((spec) => new Delivered(spec.conversationId, sends));
      const t0 = nowMs();
      let failed = 0; // clients without their first snapshot within 30 s
      clients = new Array<Client>(req.clients.length);
      await inParallel(req.clients, 200, async (spec, i) => {
        const client =
          system === 'chorus'
            ? new ChorusStormClient(spec, req.urls, delivered[i]!, counters, () => killedAt)
            : new SocketIoStormClient(spec, req.urls, delivered[i]!, counters, () => killedAt);
        clients[i] = client;
        const ready = await Promise.race([client.ready.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000))]);
        if (!ready) failed++;
      });
      return { ms: Math.round(nowMs() - t0), failed } satisfies ConnectResult;
    }
    case 'send': {
      if (system === 'socketio') sioSender = await SocketIoSender.open(req.url, req.senders);
      sendTimer = sendUntilStopped(req.ratePerS, (k) => {
        const sender = req.senders[k % req.senders.length]!;
        const seq = sends.next(sender.conversationId);
        const done = (error?: string) => {
          inFlight--;
          if (error) sends.fail(sender.conversationId, seq);
        };
        inFlight++;
        if (sioSender) sioSender.send(sender, seq, done);
        else {
          const input = { conversationId: sender.conversationId, clientId: `storm-${sender.conversationId}-${seq}`, kind: 'text', text: String(seq) };
          http.post(req.url, 'chat.send', sender.token, input, done, { retryOnReset: true });
        }
      });
      return null;
    }
    case 'kill': {
      killedAt = nowMs();
      process.kill(req.pid, 'SIGKILL');
      return null;
    }
    case 'status': {
      const dropped = delivered.filter((d) => d.droppedAt !== null);
      return { dropped: dropped.length, caughtUp: dropped.filter((d) => d.caughtUpAt !== null).length, sent: sends.total } satisfies StormStatus;
    }
    case 'finish':
      return finish(req.settleMs);
    case 'close': {
      for (const client of clients) client.close();
      sioSender?.close();
      sioSender = null;
      clients = [];
      return null;
    }
  }
}

async function finish(settleMs: number): Promise<StormResult> {
  sendTimer?.stop();
  sendTimer = null;
  const until = nowMs() + settleMs;
  // Every answer back, then every owed message in (or the time is up).
  while (nowMs() < until && (inFlight > 0 || delivered.some((d) => d.lost() > 0))) await new Promise((resolve) => setTimeout(resolve, 100));
  const dropped = delivered.filter((d) => d.droppedAt !== null);
  const kill = killedAt ?? 0;
  return {
    clients: delivered.length,
    dropped: dropped.length,
    caughtUp: dropped.filter((d) => d.caughtUpAt !== null).length,
    caughtUpMs: dropped.map((d) => (d.caughtUpAt === null ? Number.POSITIVE_INFINITY : Math.round(d.caughtUpAt - kill))),
    droppedMs: dropped.map((d) => Math.round(d.droppedAt! - kill)),
    dialledMs: dropped.map((d) => (d.dialledAt === null ? Number.POSITIVE_INFINITY : Math.round(d.dialledAt - kill))),
    resumingMs: dropped.map((d) => (d.resumingAt === null ? Number.POSITIVE_INFINITY : Math.round(d.resumingAt - kill))),
    resumedMs: dropped.map((d) => (d.resumedAt === null ? Number.POSITIVE_INFINITY : Math.round(d.resumedAt - kill))),
    sent: sends.total,
    sendFailed: sends.failedCount,
    lost: delivered.reduce((sum, d) => sum + d.lost(), 0),
    duplicated: delivered.reduce((sum, d) => sum + d.duplicated, 0),
    resyncs: delivered.reduce((sum, d) => sum + d.resyncs, 0),
    recovered: clients.reduce((sum, c) => sum + (c.recovered ?? 0), 0),
    failedAttempts: counters.failedAttempts,
    hinted: counters.hinted,
    meanHintMs: counters.hinted > 0 ? Math.round(counters.hintMsTotal / counters.hinted) : 0,
    overloaded: delivered.filter((d) => d.overloaded).length,
  };
}

serveLoadRequests<StormRequest>(handle);
