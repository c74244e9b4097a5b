import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_BATCH_CALLS } from '@chorus/api';
import { DEFAULT_LISTEN_BACKLOG } from '@chorus/runtime';
import { z } from 'zod';
import { bool, csv, hostPorts, parseSystemProviders, rateLimits } from './env-values';

/** The repository root, for defaults that live in the checkout (local data). */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The web app's build, served at `/` when present (`pnpm --filter @chorus/web build`). */
export const DEFAULT_WEB_DIST_DIR = `${repoRoot}apps/web/dist`;

export const DEFAULT_PUBLIC_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:4173', 'http://127.0.0.1:4173'];

const ZEnv = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** mysql://user:password@host:port/database; unset: a private MariaDB under LOCAL_DATA_DIR. */
    DATABASE_URL: z.url({ protocol: /^mysql$/ }).optional(),
    /** A read replica of DATABASE_URL (mysql://…) for history, search and list reads; unset: all reads on the primary. */
    DATABASE_REPLICA_URL: z.url({ protocol: /^mysql$/ }).optional(),
    /** redis://[user:password@]host:port[/db]; unset: a private Redis under LOCAL_DATA_DIR. */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** host:port,host:port,… seed nodes of a Redis Cluster, instead of REDIS_URL. */
    REDIS_CLUSTER_NODES: hostPorts.optional(),
    /** host:port,… Sentinels watching the primary named REDIS_SENTINEL_NAME, instead of REDIS_URL. */
    REDIS_SENTINELS: hostPorts.optional(),
    REDIS_SENTINEL_NAME: z.string().min(1).optional(),
    /** The Sentinels' own password (requirepass of the sentinels), if any. */
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    /** Password of the cluster nodes or of the Sentinel-managed primary and replicas (a URL carries its own). */
    REDIS_PASSWORD: z.string().min(1).optional(),
    LOCAL_DATA_DIR: z.string().min(1).default(`${repoRoot}.data/dev`),
    /**
     * Other browser origins allowed to call the API and open WebSockets (the server's own origin
     * always is). Default: Vite's dev (5173) and preview (4173) servers on either loopback name.
     */
    PUBLIC_ORIGINS: csv.default(DEFAULT_PUBLIC_ORIGINS),
    TRUST_PROXY: bool.default(false),
    /** The built web app served at `/`; set but empty: serve the API only. */
    WEB_DIST_DIR: z.string().default(DEFAULT_WEB_DIST_DIR),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
    HTTP_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** Connections the kernel queues before the server accepts them (a reconnect storm's dial-in); capped by net.core.somaxconn. */
    LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(DEFAULT_LISTEN_BACKLOG),
    /** Calls one HTTP batch may carry; more answer BATCH_TOO_LARGE. `@chorus/client` batches up to 50. */
    HTTP_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_MAX_BATCH_CALLS),
    WS_MAX_PAYLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    WS_PING_MS: z.coerce.number().int().min(1000).default(30_000),
    WS_PONG_WAIT_MS: z.coerce.number().int().min(500).default(5_000),
    /** A socket with more than this queued for sending is a slow consumer: closed, it resumes. */
    WS_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(8 * 1024 * 1024),
    /** permessage-deflate for clients that offer it (browsers do): streamed tokens cost far fewer bytes. */
    WS_COMPRESSION: bool.default(true),
    /** A WebSocket whose connection has not signed in by then is closed (1008). */
    WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(500).default(10_000),
    /** Sockets not yet signed in that one address may hold at once (behind a proxy, set TRUST_PROXY). */
    WS_MAX_UNAUTHENTICATED_PER_IP: z.coerce.number().int().min(1).default(1000),
    /** How long events stay replayable for reconnecting clients (at least 24 h recommended). */
    EVENT_RETENTION_HOURS: z.coerce
      .number()
      .min(1)
      .max(24 * 30)
      .default(48),
    /** Read notifications are deleted after this many days, all notifications after the second. */
    NOTIFICATION_READ_MAX_AGE_DAYS: z.coerce.number().min(1).default(30),
    NOTIFICATION_MAX_AGE_DAYS: z.coerce.number().min(1).default(180),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Message search: `auto` uses the engine the database offers (docs/search.md), `off` indexes nothing. */
    SEARCH_ENGINE: z.enum(['auto', 'off']).default('auto'),
    /** Prometheus metrics at /metrics on this port, a listener apart from PORT; unset: metrics off. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    /**
     * Share of traces sampled (by trace id), a caller's sampled `traceparent` included; unset: 1,
     * or the standard OTEL_TRACES_SAMPLER when that is set. See docs/tracing.md.
     */
    TRACES_SAMPLE_RATIO: z.coerce.number().min(0).max(1).optional(),
    /** The metrics listener's interface: keep it private (only Prometheus should reach it). */
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Default: on in production. Turn off only for plain-http localhost. */
    SESSION_COOKIE_SECURE: bool.optional(),
    RATE_LIMITS: rateLimits.default({}),
    /** Unset: mail is written to the log instead of sent (development). */
    RESEND_API_KEY: z.string().min(1).optional(),
    RESEND_BASE_URL: z.url().optional(),
    MAIL_FROM: z.string().min(3).default('Chorus <no-reply@chorus.local>'),
    /** `<version>:<base64 32 bytes>,...`, current key first. Required in production; see docs/configuration.md. */
    AI_ENCRYPTION_KEYS: z.string().min(1).optional(),
    /** JSON array of providers offered to every user: [{ id, label, baseUrl, model, apiKey, params? }]. */
    AI_SYSTEM_PROVIDERS: z.string().transform(parseSystemProviders).optional(),
    /** Let users' provider URLs reach loopback and private networks. Default: on outside production. */
    AI_ALLOW_PRIVATE_NETWORKS: bool.optional(),
    AI_MAX_CONCURRENT_PER_USER: z.coerce.number().int().min(1).max(100).default(3),
    /** Provider silence (before the first token or between tokens) that fails a generation. */
    AI_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
    AI_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Where uploaded files live: `local` (FILES_DIR) or `s3` (an S3-compatible bucket, the S3_* variables). */
    FILES_STORAGE: z.enum(['local', 's3']).default('local'),
    /** Uploaded files (tus uploads, thumbnails) with FILES_STORAGE=local. Every instance must see the same directory. */
    FILES_DIR: z.string().min(1).default(`${repoRoot}.data/files`),
    /** With FILES_STORAGE=s3: the endpoint (unset: AWS S3 itself), e.g. http://minio:9000 or https://<account>.r2.cloudflarestorage.com. */
    S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** The bucket, created at start when missing (if the key may create buckets). */
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name: 3-63 lowercase letters, digits, dots and hyphens')
      .optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Path-style URLs (`<endpoint>/<bucket>/<key>`): MinIO and most self-hosted servers need it. */
    S3_FORCE_PATH_STYLE: bool.default(false),
    /** Largest single file, refused when its upload is created. */
    FILES_MAX_SIZE_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(2 * 1024 ** 3),
    /** A user's files and uploads in progress may not add up to more. */
    FILES_QUOTA_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(10 * 1024 ** 3),
    /** Signs `files.link` URLs (at least 32 characters). Required in production; elsewhere kept in LOCAL_DATA_DIR. */
    FILES_LINK_SECRET: z.string().min(32).optional(),
    FILES_LINK_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(10)
      .max(7 * 24 * 3600)
      .default(600),
    /** Uploads unfinished this long are deleted by the hourly cleanup. */
    FILES_ABANDONED_HOURS: z.coerce.number().min(1).default(24),
    /** A call nobody answers within this ends as missed. */
    CALL_RING_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    /** A party whose connections are all gone this long ends the call as dropped. */
    CALL_DROP_GRACE_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
    /** Members of a shared direct or group chat may call each other, not only friends. */
    CALLS_ALLOW_SHARED_CONVERSATION: bool.default(false),
    /** STUN servers for clients, e.g. stun:stun.example.com:3478. */
    STUN_URLS: csv.pipe(z.array(z.string().regex(/^stuns?:/, 'each URL must start with stun: or stuns:'))).default([]),
    /** TURN servers, e.g. turn:turn.example.com:3478?transport=udp; needs TURN_SECRET. */
    TURN_URLS: csv.pipe(z.array(z.string().regex(/^turns?:/, 'each URL must start with turn: or turns:'))).default([]),
    /** The TURN server's static-auth-secret (coturn use-auth-secret). */
    TURN_SECRET: z.string().min(16).optional(),
    TURN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
    /** Link previews of links in chat messages, fetched by the server. */
    LINK_PREVIEWS: z.enum(['on', 'off']).default('on'),
    /** Let previews reach loopback and private networks. Default: on outside production. */
    LINK_PREVIEWS_ALLOW_PRIVATE_NETWORKS: bool.optional(),
    /** Budget of one page or image fetch, redirects and body included. */
    LINK_PREVIEWS_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(5_000),
    /** Bytes of a page read (metadata sits in its head). */
    LINK_PREVIEWS_MAX_PAGE_BYTES: z.coerce
      .number()
      .int()
      .min(16 * 1024)
      .default(1024 * 1024),
    /** A larger preview image is not stored. */
    LINK_PREVIEWS_MAX_IMAGE_BYTES: z.coerce
      .number()
      .int()
      .min(16 * 1024)
      .default(5 * 1024 * 1024),
    /** Preview fetches running at once per instance. */
    LINK_PREVIEWS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** Web Push application server keys (base64url, `npx web-push generate-vapid-keys`). Unset in production: Web Push is off. */
    VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, 'a base64url P-256 public key (87 characters)')
      .optional(),
    VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url P-256 private key (43 characters)')
      .optional(),
    /** Who push services may contact about this server: mailto: or https: URL. */
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:\/\/)\S+$/, 'a mailto: or https: URL')
      .optional(),
    /** Let Web Push endpoints reach loopback and private networks. Default: on outside production. */
    PUSH_ALLOW_PRIVATE_NETWORKS: bool.optional(),
    /** Where users reach this server (links in mail); default: http://HOST:PORT. */
    PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** Signs unsubscribe links in mail (at least 32 characters); default: a key derived from FILES_LINK_SECRET. */
    MAIL_LINK_SECRET: z.string().min(32).optional(),
    /** A user away this long gets one mail summing up unread direct messages and mentions at least this old. */
    DIGEST_AFTER_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(30),
    /** How long events stay in Redis streams; older ones are replayed from the database's stream archive. */
    EVENT_REDIS_WINDOW_MINUTES: z.coerce
      .number()
      .min(0.01)
      .max(24 * 60)
      .default(5),
  })
  .superRefine((env, ctx) => {
    if (env.FILES_STORAGE !== 's3') return;
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `${name} is required with FILES_STORAGE=s3` });
    }
  })
  .superRefine((env, ctx) => {
    // One way to reach Redis: a URL, a cluster or a Sentinel set, never a silent choice among them.
    const named = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((name) => env[name] !== undefined);
    if (named.length > 1) ctx.addIssue({ code: 'custom', path: [named[1]!], message: `${named.join(' and ')} exclude each other: set only one` });
    if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME)
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'is required with REDIS_SENTINELS (the primary set name Sentinel monitors)' });
    if (env.REDIS_SENTINEL_NAME && !env.REDIS_SENTINELS)
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'is required with REDIS_SENTINEL_NAME' });
  });

export type Env = z.infer<typeof ZEnv>;

/** Parses the environment once; on any problem prints every offending variable and exits. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = ZEnv.safeParse(cleaned);
  // Empty values mean unset, except WEB_DIST_DIR, where empty turns the web app off.
  if (result.success) return source.WEB_DIST_DIR === '' ? { ...result.data, WEB_DIST_DIR: '' } : result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  console.error(`Invalid environment:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  process.exit(1);
}
