import { startBenchStack } from './harness';
import { createBenchClient } from './workspace';
import { request, Agent } from 'node:http';
import { execSync } from 'node:child_process';
const stack = await startBenchStack();
const port = new URL(stack.url).port;
const path = '/trpc/system.ping?batch=1&input=' + encodeURIComponent('{"0":{"json":null,"meta":{"values":["undefined"]}}}');
async function window(name: string, n: number, fn: () => Promise<unknown>) {
  let count = 0; const end = performance.now() + 3000;
  let sampled = '';
  setTimeout(() => { sampled = execSync(`ss -tn state established '( sport = :${port} )' | wc -l`).toString().trim(); }, 1500);
  await Promise.all(Array.from({ length: n }, async () => { while (performance.now() < end) { await fn(); count++; } }));
  console.log(name, n, Math.round(count / 3), 'calls/s', 'server conns', sampled);
}
const agent = new Agent({ keepAlive: true, maxSockets: 200 });
const raw = () => new Promise<void>((res, rej) => { const r = request({ host: '127.0.0.1', port, path, agent }, (resp) => { resp.resume(); resp.on('end', () => res()); }); r.on('error', rej); r.end(); });
const clients = Array.from({ length: 50 }, () => createBenchClient(stack.url));
let i = 0;
await window('trpc-client', 50, () => clients[i++ % 50]!.system.ping.query());
await window('fetch', 50, () => fetch(stack.url + path).then((r) => r.text()));
await window('raw http', 50, raw);
await window('raw healthz', 50, () => new Promise<void>((res, rej) => { const r = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (resp) => { resp.resume(); resp.on('end', () => res()); }); r.on('error', rej); r.end(); }));
console.log(await fetch(stack.url + path).then(r => r.text()));
await stack.stop();
process.exit(0);
