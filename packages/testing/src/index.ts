export { createTestDatabase, type TestDatabase } from './database';
export { startTestRedis } from './redis';
export { startTestServer, TEST_ALLOWED_ORIGIN, type TestServer, type TestServerOptions } from './server';
export { createTestClient } from './client';
export { repoRoot } from './paths';
export { testRunDir } from './run-dir';
export { extractCode, startFakeResend, type FakeResend, type FakeResendMessage, type FakeResendRequest } from './fake-resend';
export { createShiftableClock, type ShiftableClock } from './clock';
export { accountFactory, appErrorOf, chorusError, failure, failureWithDetails, TEST_PASSWORD, type TestAccount } from './accounts';
export { collectAiStream, collectEvents, collectRoomEvents, type ChorusEventData, type EventCollector } from './events';
export { startRestartableRedis, type RestartableRedis } from './restartable-redis';
export { startTcpProxy, type CutMode, type ProxiedConnection, type TcpProxy } from './tcp-proxy';
export { startMailedTestServer, type MailedTestServer } from './mailed-server';
export { startFakeOpenAi, type FakeChatMessage, type FakeOpenAi, type FakeOpenAiBody, type FakeOpenAiReply, type FakeOpenAiRequest } from './fake-openai';
export { createTusUpload, imageInfo, noisePng, patchTusUpload, sha256, tus, uploadWithTus, type TusUploadOptions } from './files';
export { createLoopbackPeer, nextMessage, pipeSignals, type LoopbackPeer } from './webrtc';
export { fakeWords, isTitleRequest, streamedText } from './ai';
export { exposedGc } from './gc';
export {
  ACTION_TIMEOUT_MS,
  CHROMIUM_ARGS,
  SCREENSHOTS_DIR,
  captureFailure,
  clientOfContext,
  consoleMatches,
  launchBrowser,
  openPages,
  pageErrorsOf,
  useBrowser,
  type Browser,
  type BrowserContext,
  type BrowserSuite,
  type ConsoleMessage,
  type Locator,
  type Page,
} from './browser';
export { startS3Proxy, type S3Proxy } from './s3-proxy';
export { newBucketName, sharedS3Server, startS3Server, testFilesDriver, type TestS3Server } from './s3-server';
export { checkRules, PrometheusQueryError, startTestPrometheus, testRules, type PromSample, type PrometheusService } from './prometheus';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export { metricValue, parseMetrics, scrapeMetrics, type MetricSample } from './metrics';
export { testTls } from './tls-server';
export { startFakeFcm, type FakeFcm, type FakeFcmAnswer, type FakeFcmMessage, type FakeFcmOptions } from './fake-fcm';
export { startFakeApns, type FakeApns, type FakeApnsOptions, type FakeApnsPush, type FakeApnsReason } from './fake-apns';
export {
  startFakeWebPush,
  testVapidKeys,
  type FakePushSubscription,
  type FakeWebPush,
  type FakeWebPushReply,
  type FakeWebPushRequest,
  type ReceivedWebPush,
} from './fake-webpush';
export { loopbackCertificate } from './test-tls';
export { startTestGalera, type TestGalera } from './galera';
export { startFailoverProxy, type FailoverProxy } from './failover-proxy';
export { startTestReplicaSet, type TestReplicaSet } from './replica';
export {
  connectTestRedis,
  redisEnvOf,
  redisTargetOf,
  startTestRedisCluster,
  startTestRedisSentinel,
  testRedisMode,
  type TestRedisTarget,
} from './redis-cluster';
