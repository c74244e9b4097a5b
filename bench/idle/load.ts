// The idle benchmark's load process: opens the sockets the server holds (one per session token,
// each with one events.subscribe through lib/trpc-wire.ts, as @chorus/client subscribes; or a
// plain socket for the `ws` baseline), keeps them open and idle, and closes them on request.
// With `deflate` each socket offers permessage-deflate as browsers do (`client_max_window_bits`)
// and compresses every frame it sends, as browsers do, so the server holds what a browser's
// connection makes it hold.
import WebSocket from 'ws';
import { serveLoadRequests } from '../lib/load-process';
import { chorusWs, TrpcWire } from '../lib/trpc-wire';
import type { LoadRequest, OpenResult, OpenSpec } from './protocol';

const sockets: WebSocket[] = [];

/** Resolves once the socket is ready: its subscription's first event (the presence snapshot) or the baseline's first frame. */
function openOne(spec: OpenSpec, token: string): Promise<WebSocket> {
  const url = spec.system === 'chorus' ? chorusWs(spec.url) : `${spec.url.replace(/^http/, 'ws')}/`;
  // The client's own deflate is kept small (memLevel 1): only the server's memory is measured.
  const ws = new WebSocket(url, { perMessageDeflate: spec.deflate ? { threshold: 0, zlibDeflateOptions: { memLevel: 1 } } : false });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('idle: a socket was not ready in time')), spec.timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (spec.system === 'ws') {
      ws.once('open', () => ws.send('{"hello":1}'));
      ws.once('message', ready);
      return;
    }
    const wire = new TrpcWire(ws, token);
    ws.on('message', (data: Buffer) => wire.receive(data.toString()));
    wire.subscribe('events.subscribe', {}, { data: ready, error: (text) => reject(new Error(text)) });
  });
}

async function open(spec: OpenSpec): Promise<OpenResult> {
  const t0 = performance.now();
  let deflated = 0;
  // Not lib/members' inParallel: that module loads the workspace, which this process does without.
  let next = 0;
  const opener = async () => {
    while (next < spec.tokens.length) {
      const ws = await openOne(spec, spec.tokens[next++]!);
      if (ws.extensions.includes('permessage-deflate')) deflated++;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, opener));
  return { opened: spec.tokens.length, ms: Math.round(performance.now() - t0), deflated };
}

async function closeAll(): Promise<number> {
  const all = sockets.splice(0);
  await Promise.all(
    all.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.terminate();
        }),
    ),
  );
  return all.length;
}

serveLoadRequests<LoadRequest>(async (req) => {
  if (req.op === 'open') return open(req);
  if (req.op === 'close') return closeAll();
  return 'pong';
});
