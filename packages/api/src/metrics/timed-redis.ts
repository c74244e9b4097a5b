import { Cluster, Redis, type Command } from 'ioredis';
import type { RedisClient } from '../redis-client';

/** Told how long each command took (the command's lower-case name). */
export type CommandTimer = (command: string, seconds: number) => void;

// A command redirected by a cluster (MOVED, ASK, TRYAGAIN) is sent again: time it once.
const timed = new WeakSet<Command>();

function timeCommand(timer: CommandTimer | null, command: Command): void {
  if (!timer || timed.has(command)) return;
  timed.add(command);
  const started = performance.now();
  const done = () => timer(command.name, (performance.now() - started) / 1000);
  command.promise.then(done, done);
}

/**
 * ioredis's client with a seam for timing commands: `sendCommand` is its public entry point
 * for every command (pipelines and scripts included). Untimed until `commandTimer` is set.
 */
export class TimedRedis extends Redis {
  commandTimer: CommandTimer | null = null;

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    timeCommand(this.commandTimer, command);
    return super.sendCommand(command, stream);
  }
}

/** The same seam on a Redis Cluster client, whose `sendCommand` routes every command to its node. */
export class TimedCluster extends Cluster {
  commandTimer: CommandTimer | null = null;

  override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
    timeCommand(this.commandTimer, args[0]);
    return super.sendCommand(...args);
  }
}

/** Whether `client` can time its commands (a client made by createRedis can). */
export function isTimed(client: RedisClient): client is TimedRedis | TimedCluster {
  return client instanceof TimedRedis || client instanceof TimedCluster;
}
