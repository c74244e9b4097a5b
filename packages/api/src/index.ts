export { appRouter, createCaller, type AppRouter } from './root';
export {
  clientAddress,
  createContextInner,
  createHttpContextFactory,
  createWsContextFactory,
  SESSION_COOKIE,
  type Context,
  type ContextOptions,
  type RequestInfo,
} from './context';
export { AppError, appErrorCodes, type AppErrorCode } from './errors';
export { DEFAULT_MAX_BATCH_CALLS, limitBatchSize } from './batch-limit';
export { logSerializers, serializeLoggedError } from './log-serializers';
export type { ChorusErrorData, ChorusErrorShape } from './error-formatter';
export type { AppConfig, AppDeps } from './deps';
export { systemClock, type Clock, type DbOrTx } from './kernel';
export { MailSignal } from './mail/mail-signal';
export { createAppDeps, type CreateAppDepsOptions } from './app-deps';
export { defaultRateLimits, type RateLimit, type RateLimitConfig, type RateLimitName } from './auth/rate-limits';
export { createSession, validateSessionToken, sessionPolicy } from './auth/session.service';
export type { SessionUser, ValidSession } from './auth/session.types';
export { createOrPromoteAdmin, type CreateAdminInput } from './admin/create-admin.service';
export { publishUserChanged } from './realtime/session-revocations';
export { hashPassword } from './auth/password';
export type {
  ChorusEvent,
  ConversationEvent,
  EphemeralEvent,
  UserEvent,
  PublicMessage,
  PresenceView,
  FriendRequestView,
  NotificationView,
  RoomEvent,
  RoomLogEvent,
  PlaybackState,
  DriftView,
  RoomSettingsView,
  RoomMemberView,
} from './realtime/events';
export type { CallView, CallPartyView, CallSignal } from './realtime/events';
export { defaultCallsSettings, type CallsOptions, type CallsSettings } from './calls/calls-runtime';
export { startCallSweeper, sweepCalls, sweepCallsIfDue } from './calls/sweeper';
export { turnCredential } from './calls/ice-servers.service';
export { defaultNotificationCleanup, runNotificationCleanupIfDue, startNotificationCleanup, type NotificationCleanupConfig } from './notifications/cleanup.job';
export { defaultAiSettings, type AiOptions, type AiSettings, type SystemProvider } from './ai/ai-runtime';
export { KeyVault, parseKeyRing, formatKeyRing, loadOrCreateDevKeyRing, type KeyRing } from './ai/security/key-vault';
export { rotateProviderKeys } from './ai/configs/rotate-keys';
export { startInterruptedSweeper, sweepInterruptedGenerations } from './ai/generation/interrupted';
export { serveAiImage } from './ai/image-route';
export { AI_IMAGE_PATH } from './ai/images.service';
export type { AiStreamEvent } from './ai/generation/generation-stream';
export type { AiConfigView } from './ai/configs/configs.service';
export type { AiConversationView, AiMessageView } from './ai/conversations/views';
export { createFilesHttpHandler, type FilesHttpOptions } from './files/files-http';
export { FILES_PATH } from './files/signed-link';
export { defaultFilesSettings, type FilesOptions, type FilesSettings } from './files/files-runtime';
export { defaultPreviewsSettings, type PreviewsOptions, type PreviewsSettings } from './chat/previews/previews-runtime';
export { previewMessage } from './chat/previews/previews.service';
export { type FileStorage } from './files/storage';
export { createLocalDiskStorage } from './files/local-storage';
export type { S3Settings } from './files/s3-storage';
export { loadOrCreateDevLinkSecret } from './files/link-secret';
export { defaultFileCleanup, runFileCleanupIfDue, startFileCleanup, type FileCleanupConfig } from './files/cleanup.job';
export { defaultPinExpiry, expireDuePins, expireDuePinsIfDue, startPinExpiry, type PinExpiryConfig } from './chat/pins/pin-expiry.job';
export type { FileView } from './files/files.schema';
export { activeTracedSpan, contextWithSpan, parentFromTraceparent, traceparentOf, TRACER_KEY } from './tracing/trace-context';
export { createPromMetrics, noopMetrics, TimedRedis, type Metrics, type PromMetrics, type RpcTransport, type RpcType, type WsCloseReason } from './metrics';
export type { SearchMode, SearchOptions, SearchRuntime } from './search/runtime';
export { createFcmProvider, FCM_DEFAULT_ENDPOINT, parseFcmServiceAccount, type FcmProviderOptions, type FcmServiceAccount } from './push/providers/fcm';
export { APNS_PRODUCTION_ENDPOINT, APNS_SANDBOX_ENDPOINT, createApnsProvider, isApnsId, parseApnsKey, type ApnsProviderOptions } from './push/providers/apns';
export { parseEndpoint as parsePushEndpoint } from './push/providers/native-common';
export { createPushRuntime, DEFAULT_MAX_DEVICES_PER_USER, type PushOptions, type PushRuntime } from './push/push-runtime';
export type { PushDelivery, PushOutcome, PushProvider } from './push/provider';
export { startPushWorker, type PushWorker, type PushWorkerOptions } from './push/push-worker';
export { createWebPushProvider, topicOf, type VapidKeys } from './push/providers/webpush';
export { loadOrCreateDevVapidKeys } from './push/vapid-keys';
export { createUnsubscribeHandler } from './notifications/digest/unsubscribe-http';
export { createMailLinks, UNSUBSCRIBE_PATH, type MailLinks, type MailLinksOptions } from './notifications/digest/mail-links';
export { defaultDigestJob, runDigestPass, startDigestJob, type DigestJobConfig, type DigestPassResult } from './notifications/digest/digest.job';
export { createUnsubscribeToken, verifyUnsubscribeToken } from './notifications/digest/unsubscribe-token';
export { PushFanoutSignal } from './push/fanout/signal';
export { defaultPushFanout, startPushFanout, type PushFanoutOptions, type PushFanoutWorker } from './push/fanout/worker';
export { enqueuePushes, type PushIntent } from './push/outbox';
export { CatchUpGate, catchUpGateOf, configureCatchUps, defaultCatchUpLimits, type CatchUpLimits, type CatchUpPass } from './events/catch-up-gate';
export type { ReadDb } from './replica/read-db';
export type { RedisClient } from './redis-client';
export { isCluster, redisNodes } from './redis-nodes';
export { isTimed, TimedCluster } from './metrics';
export { isRedisUnavailable } from './redis-errors';
