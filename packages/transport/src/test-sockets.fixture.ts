import type { AnyRouter } from '@trpc/server';
import type { WebSocketOptions } from './websocket-server';

/**
 * The options of a test's own WebSocket server that its tests do not vary: every connection
 * allowed and signed in, generous limits, nothing logged. A test adds its router, context and
 * whatever it is about (timings, compression).
 */
export const testSocketOptions = {
  path: '/',
  isAuthenticated: () => true,
  logger: { warn: () => {} },
  allowRequest: () => true,
  ipOf: () => '127.0.0.1',
  authTimeoutMs: 10_000,
  maxUnauthenticatedPerIp: 100,
  maxPayloadBytes: 1024 * 1024,
  maxBatchCalls: 50,
  pingMs: 30_000,
  pongWaitMs: 5_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  compression: false,
  isShuttingDown: () => false,
} satisfies Omit<WebSocketOptions<AnyRouter>, 'router' | 'createContext'>;
