// A local S3-compatible server for tests: npm's s3rver, its data under the test run's .data/
// directory, plus the multipart operations it lacks (s3-multipart.ts). Listens on loopback only.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { S3Settings } from '@chorus/api';
import { handleMultipartExtras } from './s3-multipart';
import { testRunDir } from './run-dir';

/** s3rver's built-in account. */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

export interface TestS3Server {
  endpoint: string;
  directory: string;
  /** Settings for a bucket on this server (not created: the storage creates it at start). */
  settings(bucket?: string): S3Settings;
  stop(): Promise<void>;
}

/** A fresh bucket name per call: servers in one test file keep apart as with separate directories. */
export const newBucketName = () => `chorus-${randomBytes(6).toString('hex')}`;

export async function startS3Server(): Promise<TestS3Server> {
  const directory = join(testRunDir(), `s3-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(directory, { recursive: true });
  // Loaded on first use: most test files never start an S3 server.
  const { default: S3rver } = await import('s3rver');
  const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false });
  const rest = s3rver.getMiddleware();
  const server: Server = createServer((req, res) => {
    handleMultipartExtras(req, res, directory, ACCESS_KEY_ID)
      .then((handled) => {
        if (!handled) rest(req, res);
      })
      .catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    directory,
    settings: (bucket = newBucketName()) => ({
      endpoint,
      bucket,
      region: 'us-east-1',
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      forcePathStyle: true,
    }),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let shared: Promise<TestS3Server> | null = null;

/** One S3 server per test process (each test file), started on first use, gone with the process. */
export function sharedS3Server(): Promise<TestS3Server> {
  shared ??= startS3Server();
  return shared;
}

/** Which driver the files of test servers use: CHORUS_TEST_FILES_STORAGE=s3 runs the files suites on S3. */
export const testFilesDriver = (): 'local' | 's3' => (process.env.CHORUS_TEST_FILES_STORAGE === 's3' ? 's3' : 'local');
