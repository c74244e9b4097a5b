// A Redis that can be restarted on the same port with its data, for failure tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findBinary } from '@chorus/local-services';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

const LOOPBACK = '127.0.0.1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RestartableRedis {
  url: string;
  port: number;
  /** Stops Redis (SIGTERM: the append-only file is flushed), waits `downMs`, starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private redis-server with an fsync-always append-only file and a fixed port, so that a
 * restart keeps every key and clients reconnect to the same address.
 */
export async function startRestartableRedis(): Promise<RestartableRedis> {
  const binary = findBinary('redis-server');
  if (!binary) throw new Error('redis-server not found');
  const dir = join(inject('testDataDir'), `redis-aof-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--logfile',
    '',
    '--loglevel',
    'warning',
  ];
  let child: ChildProcess;
  let log = '';

  async function start() {
    const deadline = Date.now() + 20_000;
    for (;;) {
      child = spawn(binary!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const probe = new Redis({ host: LOOPBACK, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        while (Date.now() < deadline && child.exitCode === null) {
          try {
            await probe.connect();
            // Still loading the append-only file answers LOADING: wait for a real PONG.
            if ((await probe.ping()) === 'PONG') return;
          } catch {
            probe.disconnect();
            await sleep(25);
          }
        }
      } finally {
        probe.disconnect();
      }
      // The port may still be held by the previous instance for a moment: try again.
      if (Date.now() >= deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start: ${log}`);
      }
      await sleep(50);
    }
  }

  async function stop() {
    const current = child;
    if (current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    url: `redis://${LOOPBACK}:${port}`,
    port,
    async restart(downMs = 300) {
      await stop();
      await sleep(downMs);
      await start();
    },
    stop,
  };
}
