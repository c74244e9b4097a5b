// `pnpm --filter @chorus/server admin:create --email a@b.c [--username name] [--password-stdin]`
// Promotes the account with this email to admin, or creates a verified admin account. Without
// --password-stdin a new account gets a random password, printed once.
import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { createOrPromoteAdmin, publishUserChanged, systemClock } from '@chorus/api';
import { loadEnv } from '../env';
import { connectInfrastructure, createLogger } from '@chorus/runtime';

const usage = 'usage: admin:create --email <email> [--username <name>] [--password-stdin]';
const { values } = parseArgs({
  options: { email: { type: 'string' }, username: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } },
  strict: true,
});
if (!values.email) {
  console.error(usage);
  process.exit(2);
}

const env = loadEnv();
const logger = createLogger({ ...env, LOG_LEVEL: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL });
const infra = await connectInfrastructure(env, logger, { joinRunning: true });
try {
  const password = values['password-stdin'] ? (await text(process.stdin)).split('\n')[0] : randomBytes(12).toString('base64url');
  const result = await createOrPromoteAdmin(
    { db: infra.db, clock: systemClock, revocations: { publishUserChanged: (userId) => publishUserChanged(infra.redis, userId) } },
    { email: values.email, username: values.username, password },
  );
  if (result.created) {
    console.log(`created admin account ${result.userId} for ${values.email}`);
    if (!values['password-stdin']) console.log(`password (shown once): ${password}`);
  } else {
    console.log(`account ${result.userId} (${values.email}) is now an admin`);
  }
} catch (error) {
  console.error(`admin:create failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await infra.close();
}
