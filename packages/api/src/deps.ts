import type { Db } from '@chorus/db';
import type { RedisClient } from './redis-client';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AiRuntime } from './ai/ai-runtime';
import type { CallsRuntime } from './calls/calls-runtime';
import type { FilesRuntime } from './files/files-runtime';
import type { RateLimiters, RateLimitConfig } from './auth/rate-limits';
import type { SendQueue } from './chat/send-queue';
import type { PreviewsRuntime } from './chat/previews/previews-runtime';
import type { SearchRuntime } from './search/runtime';
import type { Clock } from './kernel';
import type { MailSignal } from './mail/mail-signal';
import type { PushFanoutSignal } from './push/fanout/signal';
import type { Metrics } from './metrics/metrics';
import type { Realtime } from './realtime/realtime';
import type { SessionRevocations } from './realtime/session-revocations';
import type { PushRuntime } from './push/push-runtime';
import type { MailLinks } from './notifications/digest/mail-links';
import type { ReadDb } from './replica/read-db';

export interface AppConfig {
  /** Mark the session cookie `Secure` (relax only for plain-http localhost). */
  cookieSecure: boolean;
  rateLimits: RateLimitConfig;
  /** How long events stay replayable for reconnecting clients. */
  eventRetentionMs: number;
  /**
   * How long an event stays in its recipients' Redis streams; older entries are moved to the
   * database's stream archive, which serves the rest of the retention (EVENT_REDIS_WINDOW_MINUTES).
   */
  eventRedisWindowMs: number;
}

/** Everything a service may touch, built once per process by `createAppDeps`. */
export interface AppDeps {
  db: Db;
  redis: RedisClient;
  logger: Logger;
  clock: Clock;
  config: AppConfig;
  limiters: RateLimiters;
  /** Ends live WebSocket subscriptions of revoked sessions, on every instance. */
  revocations: SessionRevocations;
  /** Per-user event streams, live delivery, presence. */
  realtime: Realtime;
  /** Group commit of chat messages. */
  sendQueue: SendQueue;
  /** Nudges the mail worker after a commit that enqueued mail. */
  mail: MailSignal;
  /** AI providers, generations and their logs. */
  ai: AiRuntime;
  /** File storage, upload limits and the signing key of download links. */
  files: FilesRuntime;
  /** Call timeouts, who may call, STUN/TURN servers. */
  calls: CallsRuntime;
  /** Traces calls, queries and events when set (see @chorus/runtime startTracing); null: tracing off. */
  tracer: Tracer | null;
  /** What operators see on /metrics; the no-op implementation when metrics are off. */
  metrics: Metrics;
  /** Link previews: their settings, guarded fetch and background queue. */
  previews: PreviewsRuntime;
  /** Message search: the engine in use (or why none) and the index queue. */
  search: SearchRuntime;
  /** Push providers by device kind, the VAPID public key, and the nudge for the push worker. */
  push: PushRuntime;
  /** The public URL and signing key of links in mail (unsubscribe), and when digests go out. */
  mailLinks: MailLinks;
  /** Nudges the push fan-out worker after a commit that queued a push job. */
  pushFanout: PushFanoutSignal;
  /** History, search and list reads: the read replica (read-your-writes) or, without one, `db`. */
  readDb: ReadDb;
}
