import type { Db } from '@chorus/db';
import type { Tracer } from '@opentelemetry/api';
import type { RedisClient } from './redis-client';
import type { Logger } from 'pino';
import { createAiRuntime, type AiOptions } from './ai/ai-runtime';
import { createRateLimiters, defaultRateLimits, type RateLimitConfig } from './auth/rate-limits';
import { createCallsRuntime, type CallsOptions } from './calls/calls-runtime';
import { SendQueue, type SendQueueOptions } from './chat/send-queue';
import { createPreviewsRuntime, type PreviewsOptions } from './chat/previews/previews-runtime';
import { createSearchRuntime, searchableIds, type SearchOptions } from './search/runtime';
import { createFilesRuntime, type FilesOptions } from './files/files-runtime';
import type { AppConfig, AppDeps } from './deps';
import { systemClock, type Clock } from './kernel';
import { MailSignal } from './mail/mail-signal';
import { messageJobSql } from './push/fanout/jobs';
import { PushFanoutSignal } from './push/fanout/signal';
import type { Metrics } from './metrics/metrics';
import { noopMetrics } from './metrics/noop-metrics';
import { publishPresence } from './presence/presence.service';
import { Realtime } from './realtime/realtime';
import { SessionRevocations } from './realtime/session-revocations';
import { createPushRuntime, type PushOptions } from './push/push-runtime';
import { createMailLinks, type MailLinksOptions } from './notifications/digest/mail-links';
import { createReadDb, type ReadDbOptions } from './replica/read-db';

export interface CreateAppDepsOptions {
  db: Db;
  redis: RedisClient;
  logger: Logger;
  clock?: Clock;
  config?: { cookieSecure?: boolean; rateLimits?: Partial<RateLimitConfig>; eventRetentionMs?: number; eventRedisWindowMs?: number };
  /** How often unpublished events are swept (tests shorten it). */
  sweepEveryMs?: number;
  /** The AI domain's settings and the key ring that seals provider keys. */
  ai?: AiOptions;
  /** Files: storage directory, limits, link secret (default: a temporary directory and a random secret). */
  files?: FilesOptions;
  /** Calls: ring timeout, drop grace, who may call, STUN/TURN (default: friends only, no ICE servers). */
  calls?: CallsOptions;
  /** Group commit of chat messages: lanes and batch size. */
  sends?: SendQueueOptions;
  /** Traces calls, queries and events with this tracer (see @chorus/runtime startTracing); default: off. */
  tracer?: Tracer | null;
  /** Metrics (see createPromMetrics); default: off, the no-op implementation. */
  metrics?: Metrics;
  /** Link previews: on/off, limits, egress policy (default: on, public addresses only). */
  previews?: PreviewsOptions;
  /** Message search: `mode` (SEARCH_ENGINE) and the indexer's polling; default: the engine the database offers. */
  search?: SearchOptions;
  /** Write a push job with every stored message (default); false only to measure what they cost (`pnpm bench push`). */
  pushJobs?: boolean;
  /** Push: VAPID keys, further providers (FCM, APNs), egress policy; default: no provider, push off. */
  push?: PushOptions;
  /** Links in mail and the digest delay (default: localhost:3000, a random secret, 30 minutes). */
  mailLinks?: MailLinksOptions;
  /** A Db over the read replica (DATABASE_REPLICA_URL) and its waits; default: no replica, reads on `db`. */
  replica?: Pick<ReadDbOptions, 'replica' | 'waitMs' | 'rememberMs' | 'downForMs'>;
}

/** Builds the process-wide service dependencies once; `close` releases what it opened. */
export async function createAppDeps(options: CreateAppDepsOptions): Promise<AppDeps & { close(): Promise<void> }> {
  const config: AppConfig = {
    cookieSecure: options.config?.cookieSecure ?? true,
    rateLimits: { ...defaultRateLimits, ...options.config?.rateLimits },
    eventRetentionMs: options.config?.eventRetentionMs ?? 48 * 3600 * 1000,
    eventRedisWindowMs: options.config?.eventRedisWindowMs ?? 5 * 60 * 1000,
  };
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? noopMetrics;
  const revocations = await SessionRevocations.start(options.redis, options.logger);
  const ai = await createAiRuntime(options.redis, options.logger, options.ai ?? {});
  const files = await createFilesRuntime(options.redis, options.logger, options.files);
  const tracer = options.tracer ?? null;
  const search = await createSearchRuntime(options.db, options.logger, options.search);
  const realtime = await Realtime.start({ ...options, clock, tracer, metrics }, { retentionMs: config.eventRetentionMs, sweepEveryMs: options.sweepEveryMs, redisWindowMs: config.eventRedisWindowMs });
  const deps: AppDeps = {
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    clock,
    config,
    limiters: createRateLimiters(options.redis, config.rateLimits),
    revocations,
    realtime,
    sendQueue: new SendQueue(options.db, {
      ...options.sends,
      alsoRun: (rows) => [...search.queueSql(searchableIds(rows)), ...(options.pushJobs === false ? [] : messageJobSql(rows))],
    }),
    mail: new MailSignal(),
    ai,
    files,
    calls: createCallsRuntime(options.calls),
    tracer,
    metrics,
    previews: createPreviewsRuntime(options.logger, options.previews),
    search,
    push: createPushRuntime(options.logger, options.push),
    mailLinks: createMailLinks(options.mailLinks),
    pushFanout: new PushFanoutSignal(),
    readDb: createReadDb({ primary: options.db, redis: options.redis, logger: options.logger, ...options.replica }),
  };
  realtime.presence.onChange = (userId) => void publishPresence(deps, userId);
  return {
    ...deps,
    close: async () => {
      await deps.sendQueue.close();
      await deps.previews.close();
      await search.close();
      await deps.push.close();
      await ai.close();
      await files.close();
      await realtime.close();
      await revocations.close();
    },
  };
}
