import { Redis, type Command } from 'ioredis';

/** Told how long each command took (the command's lower-case name). */
export type CommandTimer = (command: string, seconds: number) => void;

/**
 * ioredis's client with a seam for timing commands: `sendCommand` is its public entry point
 * for every command (pipelines and scripts included). Untimed until `commandTimer` is set.
 */
export class TimedRedis extends Redis {
  commandTimer: CommandTimer | null = null;

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const timer = this.commandTimer;
    if (timer) {
      const started = performance.now();
      const done = () => timer(command.name, (performance.now() - started) / 1000);
      command.promise.then(done, done);
    }
    return super.sendCommand(command, stream);
  }
}
