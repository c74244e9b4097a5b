export { createTestDatabase, type TestDatabase } from './database';
export { startTestRedis } from './redis';
export { startTestServer, TEST_ALLOWED_ORIGIN, type TestServer, type TestServerOptions } from './server';
export { createTestClient } from './client';
export { repoRoot } from './paths';
export { extractCode, startFakeResend, type FakeResend, type FakeResendMessage, type FakeResendRequest } from './fake-resend';
export { createShiftableClock, type ShiftableClock } from './clock';
export { accountFactory, failure, TEST_PASSWORD, type TestAccount } from './accounts';
export { collectEvents, type ChorusEventData, type EventCollector } from './events';
