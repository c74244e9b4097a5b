import { tracingChannel } from 'node:diagnostics_channel';
import type { Db } from '@chorus/db';
import { Gauge, type Registry } from 'prom-client';

interface PoolEvents {
  on(event: 'acquire' | 'release' | 'enqueue', listener: () => void): unknown;
  on(event: 'connection', listener: (connection: { once(event: 'end', listener: () => void): unknown }) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * chorus_db_pool_connections from mysql2's public pool events: `connection` (opened),
 * `acquire` and `release`, and each connection's `end`. A request handed a connection another
 * released is neither, so "in use" stays right. Waiting requests are the pool's
 * `mysql2:pool:connect` tracing channel's calls not yet answered: that channel is per process,
 * so two pools in one process (tests) count each other's waits.
 */
export function observeDbPool(db: Db, registry: Registry): () => void {
  const pool = db.$client as unknown as PoolEvents;
  const counts = { open: 0, inUse: 0, waiting: 0 };
  const onConnection = (connection: { once(event: 'end', listener: () => void): unknown }) => {
    counts.open++;
    connection.once('end', () => counts.open--);
  };
  const onAcquire = () => counts.inUse++;
  const onRelease = () => counts.inUse--;
  pool.on('connection', onConnection);
  pool.on('acquire', onAcquire);
  pool.on('release', onRelease);
  const connect = tracingChannel('mysql2:pool:connect');
  const waits = { start: () => counts.waiting++, asyncStart: () => counts.waiting-- };
  connect.subscribe(waits as never);

  new Gauge({
    name: 'chorus_db_pool_connections',
    help: 'Database pool connections in use and idle, and requests waiting for one.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const inUse = Math.max(0, counts.inUse);
      this.set({ state: 'in_use' }, inUse);
      this.set({ state: 'idle' }, Math.max(0, counts.open - inUse));
      this.set({ state: 'waiting' }, Math.max(0, counts.waiting));
    },
  });
  return () => {
    pool.off('connection', onConnection);
    pool.off('acquire', onAcquire);
    pool.off('release', onRelease);
    connect.unsubscribe(waits as never);
  };
}
