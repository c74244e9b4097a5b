// A real Chorus server serving the built app on its own origin, for browser tests: real MariaDB
// and Redis, mail to a fake Resend (codes are read from it), optionally a fake OpenAI provider.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeChorusClient, type ChorusClient } from '@chorus/client';
import {
  accountFactory,
  createTestDatabase,
  startFakeOpenAi,
  startFakeResend,
  startTestRedis,
  startTestServer,
  type FakeOpenAi,
  type FakeResend,
  type TestAccount,
  type TestDatabase,
  type TestServer,
  useBrowser,
} from '@chorus/testing';
import { ensureWebBuild } from './web-build';

export { buildWeb, ensureWebBuild, WEB_DIST_DIR } from './web-build';
export { enterCode, fillSignIn, fillSignUp, newUser, newUserPage, openApp, signIn, signOut, signOutButton, signUp, type WebUser } from './users';

/** React's development warnings (a repeated key, a state update in another's render, …): a screen causes none. */
export const REACT_WARNINGS = /^(Warning: |Encountered two children with the same key|Cannot update a component)/;

/** The browser of a web test file: useBrowser, failing a passing test whose pages printed a React warning. */
export const useWebBrowser = () => useBrowser({ failOnConsole: REACT_WARNINGS });

/** Starting a stack may build the app first: hooks that start one get this timeout. */
export const STACK_TIMEOUT_MS = 300_000;

export interface WebStack {
  /** The app's origin, e.g. http://127.0.0.1:41234 (also the API's: /trpc, /files). */
  url: string;
  /** The fake Resend server the server's mail goes to. */
  mail: FakeResend;
  /** The fake OpenAI-compatible provider, offered to every user as the system provider "House". */
  ai: FakeOpenAi | null;
  /** Accounts made through the API (register → mailed code → verify) with a Node client each. */
  accounts: ReturnType<typeof accountFactory>;
  /** The server running now (a new one after each restart). */
  readonly server: TestServer;
  /**
   * Stops the server and starts it again on the same port, database, Redis and files;
   * `whileDown` runs in between (e.g. to see the pages notice).
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops everything the stack started (clients made by `accounts` too). */
  stop(): Promise<void>;
}

export interface WebStackOptions {
  /** Start a fake OpenAI provider and offer it to every user as the system provider "House". */
  ai?: boolean;
}

/**
 * A real server on a free loopback port serving apps/web/dist at `/` (built once per run), on a
 * database and Redis of its own. `restart()` is the server restart of the reconnect tests:
 * browsers reconnect to the same origin and find the same data.
 */
export async function startWebStack(options: WebStackOptions = {}): Promise<WebStack> {
  const [webRoot, database, redis] = await Promise.all([ensureWebBuild(), createTestDatabase(), startTestRedis()]);
  try {
    const stack = await serveWebStack({ ...options, webRoot, database, redisUrl: redis.url });
    return {
      ...stack,
      get server() {
        return stack.server;
      },
      async stop() {
        await stack.stop();
        await Promise.allSettled([redis.stop(), database.drop()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([redis.stop(), database.drop()]);
    throw error;
  }
}

/** Sign-ups, codes and sign-ins from one address, many per file: per-IP limits out of the way (per-account ones stay). */
const rateLimits = Object.fromEntries(
  (['registerPerIp', 'codeSendPerIp', 'codeCheckPerIp', 'loginPerIp', 'guestPerIp'] as const).map((name) => [name, { points: 10_000, seconds: 3600 }]),
);

/**
 * The stack on a given database and Redis (left running by `stop`) and a built app: what
 * `startWebStack` does inside vitest, for scripts outside it.
 */
export async function serveWebStack(options: WebStackOptions & { webRoot: string; database: TestDatabase; redisUrl: string }): Promise<WebStack> {
  const { database, redisUrl, webRoot } = options;
  const [mail, ai, filesDir] = await Promise.all([
    startFakeResend(),
    options.ai ? startFakeOpenAi() : Promise.resolve(null),
    mkdtemp(join(tmpdir(), 'chorus-web-files-')),
  ]);
  // What survives a restart: sealed provider keys and signed file links stay valid.
  const keyRing = { current: 1, keys: new Map([[1, randomBytes(32)]]) };
  const files = { dir: filesDir, linkSecret: randomBytes(32) };
  const systemProviders = ai ? [{ id: 'house', label: 'House', baseUrl: ai.url, model: ai.models[0] ?? 'fake-model', apiKey: ai.apiKey, params: {} }] : [];
  const clients: ChorusClient[] = [];

  const start = (port: number) =>
    startTestServer({ database, redisUrl, fakeResend: mail, appConfig: { rateLimits }, ai: { keyRing, systemProviders }, files, config: { port, webRoot } });

  let server = await start(0);
  const factory = accountFactory(server.url, mail);
  const accounts: typeof factory = {
    ...factory,
    async register(username, registerOptions) {
      const account: TestAccount = await factory.register(username, registerOptions);
      clients.push(account.client);
      return account;
    },
  };

  return {
    url: server.url,
    mail,
    ai,
    accounts,
    get server() {
      return server;
    },
    async restart(whileDown) {
      const { port } = server;
      await server.stop();
      try {
        await whileDown?.();
      } finally {
        server = await start(port);
      }
    },
    async stop() {
      await Promise.allSettled(clients.map((client) => closeChorusClient(client)));
      await server.stop();
      await Promise.allSettled([mail.stop(), ai?.close(), rm(filesDir, { recursive: true, force: true })]);
    },
  };
}
