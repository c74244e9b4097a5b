// `pnpm db:migrate`: applies the committed migrations and exits (the server also does this on start).
import { loadEnv } from './env';
import { connectInfrastructure, createLogger } from '@chorus/runtime';

const env = loadEnv();
const logger = createLogger(env);
const infra = await connectInfrastructure(env, logger, { joinRunning: true });
await infra.close();
