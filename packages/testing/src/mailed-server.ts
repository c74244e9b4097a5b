import { accountFactory } from './accounts';
import { startFakeResend, type FakeResend } from './fake-resend';
import { startTestServer, type TestServer, type TestServerOptions } from './server';

export interface MailedTestServer {
  server: TestServer;
  /** The fake Resend server the server's mail goes to (codes are read from it). */
  mail: FakeResend;
  accounts: ReturnType<typeof accountFactory>;
  stop(): Promise<void>;
}

/**
 * A test server whose mail reaches a fake Resend server, with an account factory on top.
 * Tests register many accounts from one IP, so the per-IP register limit is raised unless
 * `appConfig.rateLimits` says otherwise.
 */
export async function startMailedTestServer(options: Omit<TestServerOptions, 'fakeResend'> = {}): Promise<MailedTestServer> {
  const mail = await startFakeResend();
  const rateLimits = { registerPerIp: { points: 1000, seconds: 3600 }, ...options.appConfig?.rateLimits };
  const server = await startTestServer({ ...options, fakeResend: mail, appConfig: { ...options.appConfig, rateLimits } });
  return {
    server,
    mail,
    accounts: accountFactory(server.url, mail),
    async stop() {
      await server.stop();
      await mail.stop();
    },
  };
}
