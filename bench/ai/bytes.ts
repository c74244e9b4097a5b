// Bytes on the wire per token: what the client's WebSocket reads from TCP for one streamed
// answer, against the UTF-8 bytes of the answer's text.
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { answerTokens, promptFor } from './protocol';
import { backgroundIdle, type AiUser } from './common';
import { sized } from '../lib/env';
import type { BenchStack } from '../lib/harness';
import { withTimeout } from '../lib/stats';
import { closeChorusClient, createBenchClient, type AiStreamEvent, type AppDeps, type ChorusClient } from '../lib/workspace';

const BYTES = { tokens: sized(500, 30), tokensPerSecond: 100, timeoutMs: 30_000 };
const BYTES_GOAL_RATIO = 1.2;

/** Header of a server → client frame (unmasked) carrying `payload` bytes (RFC 6455 §5.2). */
const frameHeaderBytes = (payload: number): number => (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);

/** A received message: its payload and, for ai.chat.stream results, the event's type. */
interface Received {
  payload: Buffer;
  kind: AiStreamEvent['type'] | 'other';
}

/** The `ws` client class, given to the typed client, recording every message its socket receives. */
function countingWebSocket() {
  const sockets: Counting[] = [];
  class Counting extends WebSocket {
    readonly received: Received[] = [];
    controlFrames = 0;
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      sockets.push(this);
      this.on('message', (data) => {
        const payload = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        this.received.push({ payload, kind: kindOf(payload) });
      });
      this.on('ping', () => this.controlFrames++);
      this.on('pong', () => this.controlFrames++);
    }
    /** Bytes read from TCP so far: every frame, headers included (and the HTTP upgrade response). */
    get bytesRead(): number {
      return (this as unknown as { _socket: Socket | null })._socket?.bytesRead ?? 0;
    }
  }
  return { WebSocket: Counting, sockets };
}

/**
 * tRPC over WebSocket with superjson, a tracked event:
 * `{"id":1,"result":{"type":"data","data":{"json":{"id":"2","data":<event>}},"id":"2"}}`.
 */
function kindOf(payload: Buffer): Received['kind'] {
  try {
    type Message = { result?: { type?: string; data?: { json?: { data?: { type?: unknown } } } } };
    const message = JSON.parse(payload.toString('utf8')) as Message;
    const type = message.result?.type === 'data' ? message.result.data?.json?.data?.type : undefined;
    return type === 'delta' || type === 'done' || type === 'error' ? type : 'other';
  } catch {
    return 'other';
  }
}

/** Asks for a `tokens` answer and follows it to its end: the concatenated deltas, the `done` event's text, send call → end. */
async function streamAnswer(
  client: ChorusClient,
  configId: AiUser['configId'],
  tag: string,
  tokens: number,
): Promise<{ deltas: string; done: string; ms: number }> {
  const { id: conversationId } = await client.ai.conversations.create.mutate({ title: 'ai bench', configId });
  const content = promptFor({ tag, tokens, tokensPerSecond: BYTES.tokensPerSecond });
  const t0 = performance.now();
  const { assistantMessageId } = await client.ai.chat.send.mutate({ conversationId, content, clientId: tag });
  let deltas = '';
  let done = '';
  let unsubscribe = () => {};
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const subscription = client.ai.chat.stream.subscribe(
          { assistantMessageId },
          {
            onData: ({ data }) => {
              if (data.type === 'delta') deltas += data.text;
              else if (data.type === 'done') done = data.text;
              else reject(new Error(`ai: the generation failed: ${data.code}: ${data.message}`));
            },
            onComplete: () => resolve(),
            onError: (error) => reject(error),
          },
        );
        unsubscribe = () => subscription.unsubscribe();
      }),
      BYTES.timeoutMs,
      `a ${tokens}-token answer`,
    );
  } finally {
    unsubscribe();
  }
  return { deltas, done, ms: performance.now() - t0 };
}

/** Also returns how long a token took in this lone stream: the fake's own pace (its timers run a little late), for comparison under load. */
export async function measureBytes(stack: BenchStack, user: AiUser, deps: AppDeps): Promise<{ facts: Record<string, string | number>; msPerToken: number }> {
  const counting = countingWebSocket();
  const client = createBenchClient(stack.url, { token: user.token, WebSocket: counting.WebSocket });
  try {
    // A short answer first opens the socket; the client keeps it open afterwards, so what is counted
    // below is the stream alone, not the connection's upgrade.
    await streamAnswer(client, user.configId, 'bytes-warm', 3);
    await backgroundIdle(deps);
    const socket = counting.sockets.at(-1);
    if (!socket || counting.sockets.length !== 1) throw new Error(`ai: expected one socket, got ${counting.sockets.length}`);
    socket.received.length = 0;
    socket.controlFrames = 0;
    const before = socket.bytesRead;
    const { deltas, done, ms } = await streamAnswer(client, user.configId, 'bytes', BYTES.tokens);
    await sleep(20); // nothing should follow the `stopped` message; give a stray frame the chance to show up anyway
    const wire = socket.bytesRead - before;

    const expected = answerTokens(BYTES.tokens).join('');
    if (deltas !== expected || done !== expected) throw new Error('ai: the streamed text is not the answer the fake sent');
    const text = Buffer.byteLength(expected);
    const of = (kind: Received['kind'] | null) => socket.received.filter((m) => kind === null || m.kind === kind);
    // What each kind of message would take uncompressed (a frame is its payload plus a header).
    const framed = (kind: Received['kind'] | null) => of(kind).reduce((sum, m) => sum + m.payload.length + frameHeaderBytes(m.payload.length), 0);
    const deltaFrames = of('delta').length;
    const ratio = wire / text;
    const r = (value: number) => Number(value.toFixed(2));
    return {
      msPerToken: ms / BYTES.tokens,
      facts: {
        'bytes: answer': `${BYTES.tokens} tokens at ${BYTES.tokensPerSecond} tokens/s, ${text} bytes of text (${r(text / BYTES.tokens)} a token), streamed in ${r(ms / 1000)} s`,
        'bytes: received on the WebSocket (frames and all)': wire,
        [`bytes: wire ÷ text (goal ≤ ${BYTES_GOAL_RATIO})`]: `${r(ratio)} — ${ratio <= BYTES_GOAL_RATIO ? 'met' : 'MISSED'}`,
        'bytes: messages received (delta / done / other)': `${socket.received.length} (${deltaFrames} / ${of('done').length} / ${of('other').length + of('error').length})`,
        'bytes: per message, mean': r(wire / socket.received.length),
        'bytes: delta frames uncompressed ÷ text': `${r(framed('delta') / text)} (${r(BYTES.tokens / deltaFrames)} tokens and ${r((framed('delta') - text) / deltaFrames)} bytes of envelope a frame)`,
        'bytes: done frame uncompressed (repeats the whole text)': framed('done'),
        'bytes: other frames uncompressed (subscription started/stopped)': framed('other') + framed('error'),
        'bytes: all frames uncompressed, and the saving on the wire': `${framed(null)}, ${r(framed(null) / wire)}×${socket.controlFrames ? ` (${socket.controlFrames} ping/pong frames)` : ''}`,
        'bytes: permessage-deflate negotiated': socket.extensions ? `yes (${socket.extensions})` : 'no',
      },
    };
  } finally {
    await closeChorusClient(client);
  }
}
