import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { setImmediate as turnEnd } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { coalesceCommandWrites, holdUntilTurnEnds } from './write-coalescing';

/** A connected pair of real TCP sockets on loopback, and every chunk the reading side got. */
async function socketPair() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const writer = connect(port, '127.0.0.1');
  const [reader] = await accepted;
  await once(writer, 'connect');
  const chunks: string[] = [];
  reader.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { writer, reader, chunks, close: () => (writer.destroy(), reader.destroy(), server.close()) };
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

describe('write coalescing', () => {
  it("holds a turn's writes to a socket and sends them together when the turn ends", async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const written: string[] = [];
    const send = (text: string) => {
      holdUntilTurnEnds(pair.writer);
      pair.writer.write(text, () => written.push(text));
    };
    send('a');
    send('b');
    send('c');
    expect(pair.writer.writableCorked).toBe(1);
    expect(written).toEqual([]);
    await turnEnd();
    expect(pair.writer.writableCorked).toBe(0);
    while (pair.chunks.join('').length < 3) await once(pair.reader, 'data');
    expect(pair.chunks.join('')).toBe('abc');
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('corks each socket once per turn, whoever else corks it', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    holdUntilTurnEnds(pair.writer);
    holdUntilTurnEnds(pair.writer);
    // A sender that corks and uncorks around its own frame (as ws does) leaves our hold in place.
    pair.writer.cork();
    pair.writer.write('x');
    pair.writer.uncork();
    expect(pair.writer.writableCorked).toBe(1);
    await turnEnd();
    expect(pair.writer.writableCorked).toBe(0);
    // The next turn holds again.
    holdUntilTurnEnds(pair.writer);
    expect(pair.writer.writableCorked).toBe(1);
    await turnEnd();
    expect(pair.writer.writableCorked).toBe(0);
  });

  it('leaves a socket destroyed meanwhile alone', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    holdUntilTurnEnds(pair.writer);
    pair.writer.destroy();
    await turnEnd();
    holdUntilTurnEnds(pair.writer);
    expect(pair.writer.destroyed).toBe(true);
  });

  it("holds a command client's writes for the turn, on each connection it makes", async () => {
    const first = await socketPair();
    const second = await socketPair();
    cleanups.push(first.close, second.close);
    /** Writes `commands` in one turn: held until its end, then read together. */
    const heldThenSent = async (pair: typeof first, commands: string[]) => {
      for (const command of commands) pair.writer.write(command);
      expect(pair.writer.writableCorked).toBe(1);
      await turnEnd();
      expect(pair.writer.writableCorked).toBe(0);
      while (pair.chunks.join('').length < commands.join('').length) await once(pair.reader, 'data');
      expect(pair.chunks.join('')).toBe(commands.join(''));
    };
    const client = Object.assign(new EventEmitter(), { stream: first.writer });
    coalesceCommandWrites(client);
    await heldThenSent(first, ['*1\r\n$4\r\nPING\r\n', '*1\r\n$4\r\nTIME\r\n']);

    // A reconnect brings a new socket: it is held the same way.
    client.stream = second.writer;
    client.emit('connect');
    client.emit('connect');
    await heldThenSent(second, ['x']);
  });
});
