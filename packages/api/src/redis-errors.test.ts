import { createServer } from 'node:net';
import { TRPCError } from '@trpc/server';
import { Cluster, Redis, ReplyError as IoredisReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError } from './error-formatter';
import { isRedisUnavailable } from './redis-errors';

// ioredis types its ReplyError (the class of every error reply) as any.
const ReplyError = IoredisReplyError as new (message: string) => Error;

// The errors are the ones ioredis itself raises against a port nothing listens on, the way it
// meets a node that died; the server replies are ioredis' own ReplyError with a real reply text.
let closedPort: number;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const clients: (Redis | Cluster)[] = [];
/** Keeps a client whose connection errors are expected here (a refused connect) quiet. */
function track<T extends Redis | Cluster>(client: T): T {
  client.on('error', () => {});
  clients.push(client);
  return client;
}
afterAll(() => {
  for (const client of clients) client.disconnect();
});

async function failureOf(command: Promise<unknown>): Promise<Error> {
  const error = await command.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('the command did not fail');
  return error;
}

describe('isRedisUnavailable', () => {
  it('recognises a command that ran out of retries while the node is down', async () => {
    const redis = track(new Redis({ host: '127.0.0.1', port: closedPort, maxRetriesPerRequest: 0, retryStrategy: () => 20 }));
    const error = await failureOf(redis.get('k'));
    expect(error.name).toBe('MaxRetriesPerRequestError');
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it('recognises a command on a connection that gave up reconnecting', async () => {
    const redis = track(new Redis({ host: '127.0.0.1', port: closedPort, retryStrategy: () => null }));
    await new Promise((resolve) => redis.once('end', resolve));
    const error = await failureOf(redis.get('k'));
    expect(error.message).toBe('Connection is closed.');
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it('recognises a cluster with none of its nodes reachable', async () => {
    const cluster = track(new Cluster([{ host: '127.0.0.1', port: closedPort }], { clusterRetryStrategy: () => null }));
    const error = await failureOf(cluster.get('k'));
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it('recognises the replies of a cluster or replica that is changing hands, also as a cause', () => {
    for (const reply of [
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
    ]) {
      expect(isRedisUnavailable(new ReplyError(reply)), reply).toBe(true);
    }
    expect(isRedisUnavailable(new Error('send failed', { cause: new ReplyError('CLUSTERDOWN Hash slot not served') }))).toBe(true);
  });

  it('leaves errors of the command itself and unrelated errors alone', () => {
    for (const reply of [
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      "CROSSSLOT Keys in request don't hash to the same slot",
      'NOSCRIPT No matching script',
      'ERR Error running script',
    ]) {
      expect(isRedisUnavailable(new ReplyError(reply)), reply).toBe(false);
    }
    expect(isRedisUnavailable(new Error('CLUSTERDOWN in a message of our own'))).toBe(false);
    expect(isRedisUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isRedisUnavailable('Connection is closed.')).toBe(false);
  });

  it('makes the formatter answer UNAVAILABLE with a retryAfter instead of INTERNAL', () => {
    const cause = new ReplyError('CLUSTERDOWN The cluster is down');
    const shape = formatError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }), 'chat.send');
    expect(shape.data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', appCode: 'UNAVAILABLE', httpStatus: 503, retryAfter: 1 });
    expect(shape.message).not.toContain('CLUSTERDOWN');
  });
});
