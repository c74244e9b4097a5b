// `pnpm --filter @chorus/server keys:rotate`
// Re-seals every stored AI provider key under the current key (the first of AI_ENCRYPTION_KEYS).
// Rotation: put the new key first, keep the old one after it, restart, run this, then drop the old key.
import { KeyVault, rotateProviderKeys } from '@chorus/api';
import { loadKeyRing } from '../ai-options';
import { loadEnv } from '../env';
import { connectInfrastructure, createLogger } from '@chorus/runtime';

const env = loadEnv();
const logger = createLogger({ ...env, LOG_LEVEL: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL });
const infra = await connectInfrastructure(env, logger, { joinRunning: true });
try {
  const vault = new KeyVault(await loadKeyRing(env, logger));
  const { rotated } = await rotateProviderKeys(infra.db, vault);
  console.log(`re-sealed ${rotated} provider key(s) under key version ${vault.currentVersion}`);
} catch (error) {
  console.error(`keys:rotate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await infra.close();
}
