import type { Db } from '@chorus/db';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { observeDbPool } from './db-pool';
import type { AiProviderKind, Metrics, RpcTransport, RpcType, WsCloseReason } from './metrics';
import { createFamilies } from './prom-families';
import { registerScrapeTimeGauges } from './scrape-time';
import { isTimed } from './timed-redis';
import type { RedisClient } from '../redis-client';

/** Delivery latency is timed for at most one event in this many milliseconds. */
const DELIVERY_SAMPLE_MS = 100;

export interface PromMetrics {
  metrics: Metrics;
  /** This instance's own registry (never prom-client's global one): what /metrics serves. */
  registry: Registry;
  /** Stops listening to the pool and Redis (the registry stays readable). */
  close(): void;
}

/**
 * Metrics on: the app's families on a registry of its own, with the default process metrics
 * (`collectDefaultMetrics`: CPU, memory, event-loop lag, GC). Label sets are bound once and
 * kept, so a call costs a map lookup and an observation.
 */
export function createPromMetrics(sources: { db: Db; redis: RedisClient }): PromMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const f = createFamilies(registry);
  registerScrapeTimeGauges(registry, sources);
  const stopPool = observeDbPool(sources.db, registry);
  // Bound children, by their label values joined: procedures, reasons, drivers are all few.
  const bound = <T>(make: (key: string) => T) => {
    const children = new Map<string, T>();
    return (key: string): T => {
      let child = children.get(key);
      if (child === undefined) children.set(key, (child = make(key)));
      return child;
    };
  };
  const rpc = bound((key) => {
    const [procedure = '', transport = '', type = '', outcome = ''] = key.split(' ');
    return f.rpcDuration.labels(procedure, transport, type, outcome);
  });
  const subscriptions = bound((procedure) => f.subscriptions.labels(procedure));
  const wsClosed = bound((reason) => f.wsClosed.labels(reason));
  const mailSent = bound((driver) => f.mailSent.labels(driver));
  const mailFailures = bound((driver) => f.mailFailures.labels(driver));
  const pushAttempts = bound((key) => f.pushAttempts.labels(...(key.split(' ') as [string, string])));
  const firstToken = bound((kind) => f.aiFirstToken.labels(kind));
  const tokensIn = bound((kind) => f.aiTokens.labels(kind, 'in'));
  const tokensOut = bound((kind) => f.aiTokens.labels(kind, 'out'));
  const aiErrors = bound((key) => f.aiErrors.labels(...(key.split(' ') as [string, string])));
  const calls = bound((state) => f.calls.labels(state));
  const redisCommand = bound((name) => f.redisCommand.labels(name.toLowerCase()));
  const uploadsFinished = f.uploads.labels('finished');
  const uploadsFailed = f.uploads.labels('failed');
  if (isTimed(sources.redis)) sources.redis.commandTimer = (name, seconds) => redisCommand(name).observe(seconds);
  let lastDeliverySample = 0;

  const metrics: Metrics = {
    enabled: true,
    rpcFinished: (procedure: string, transport: RpcTransport, type: RpcType, outcome: string, seconds: number) =>
      rpc(`${procedure} ${transport} ${type} ${outcome}`).observe(seconds),
    subscriptionStarted: (procedure) => subscriptions(procedure).inc(),
    subscriptionEnded: (procedure) => subscriptions(procedure).dec(),
    wsOpened: () => f.wsConnections.inc(),
    wsClosed: (reason: WsCloseReason) => {
      f.wsConnections.dec();
      wsClosed(reason).inc();
    },
    eventPublished: () => f.eventsPublished.inc(),
    deliverySampleDue: () => {
      const now = performance.now();
      if (now - lastDeliverySample < DELIVERY_SAMPLE_MS) return false;
      lastDeliverySample = now;
      return true;
    },
    eventDelivered: (seconds) => f.eventDelivery.observe(seconds),
    eventResynced: () => f.eventResyncs.inc(),
    streamArchivePass: (entries, seconds) => {
      f.archivedEntries.inc(entries);
      f.archivePass.observe(seconds);
    },
    mailSent: (driver) => mailSent(driver).inc(),
    mailFailed: (driver) => mailFailures(driver).inc(),
    pushAttempted: (kind, outcome) => pushAttempts(`${kind} ${outcome}`).inc(),
    aiGenerationStarted: () => f.aiActive.inc(),
    aiGenerationEnded: () => f.aiActive.dec(),
    aiFirstToken: (kind: AiProviderKind, seconds) => firstToken(kind).observe(seconds),
    aiTokens: (kind: AiProviderKind, input, output) => {
      tokensIn(kind).inc(input);
      tokensOut(kind).inc(output);
    },
    aiError: (kind: AiProviderKind, code) => aiErrors(`${kind} ${code}`).inc(),
    uploadReceived: (bytes) => f.uploadBytes.inc(bytes),
    uploadFinished: () => uploadsFinished.inc(),
    uploadFailed: () => uploadsFailed.inc(),
    callEnded: (outcome) => calls(outcome).inc(),
  };
  return {
    metrics,
    registry,
    close() {
      stopPool();
      if (isTimed(sources.redis)) sources.redis.commandTimer = null;
    },
  };
}
