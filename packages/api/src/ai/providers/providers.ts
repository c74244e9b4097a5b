import { aiConfigs, type TAiConfigRow, type TAiParams } from '@chorus/db';
import { and, asc, desc, eq } from 'drizzle-orm';
import OpenAI from 'openai';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import { AppError } from '../../errors';
import type { TProviderRef } from '../ai.schema';

/** A provider ready for a call: the key is decrypted only here, just before the call. */
export interface ResolvedProvider {
  ref: TProviderRef;
  baseUrl: string;
  model: string;
  apiKey: string;
  params: TAiParams;
}

const SYSTEM_PREFIX = 'system:';

/** The AAD a config's sealed key is bound to: the ciphertext opens only on its owner's row. */
export function keyContext(userId: number): string {
  return `ai-config:${userId}`;
}

export function isSystemRef(ref: TProviderRef): ref is `system:${string}` {
  return typeof ref === 'string';
}

/** The caller's config or a system provider; anything else (someone else's config) is "not found". */
export async function resolveProvider(deps: AppDeps, userId: number, ref: TProviderRef): Promise<ResolvedProvider> {
  if (isSystemRef(ref)) {
    const provider = deps.ai.settings.systemProviders.find((candidate) => `${SYSTEM_PREFIX}${candidate.id}` === ref);
    if (!provider) throw new AppError('NOT_FOUND', 'No such provider');
    return { ref, baseUrl: provider.baseUrl, model: provider.model, apiKey: provider.apiKey, params: provider.params };
  }
  const row = await loadOwnConfig(deps.db, userId, ref);
  let apiKey: string;
  try {
    apiKey = deps.ai.vault.open({ ciphertext: row.apiKeySealed, keyVersion: row.apiKeyVersion }, keyContext(userId));
  } catch (error) {
    // The server keys no longer include the one that sealed it (dropped before keys:rotate ran).
    deps.logger.error({ configId: row.id, keyVersion: row.apiKeyVersion, err: error }, 'ai provider key cannot be opened');
    throw new AppError('AI_NOT_CONFIGURED', "This provider's key can no longer be read; save the key again");
  }
  return { ref, baseUrl: row.baseUrl, model: row.model, apiKey, params: row.params };
}

export async function loadOwnConfig(db: DbOrTx, userId: number, configId: number): Promise<TAiConfigRow> {
  const [row] = await db
    .select()
    .from(aiConfigs)
    .where(and(eq(aiConfigs.id, configId), eq(aiConfigs.userId, userId)))
    .limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such provider');
  return row;
}

/** The provider a call uses when it names none: the user's default, their first, else the first system one. */
export async function defaultProviderRef(deps: AppDeps, userId: number): Promise<TProviderRef> {
  const [own] = await deps.db
    .select({ id: aiConfigs.id })
    .from(aiConfigs)
    .where(eq(aiConfigs.userId, userId))
    .orderBy(desc(aiConfigs.isDefault), asc(aiConfigs.id))
    .limit(1);
  if (own) return own.id;
  const system = deps.ai.settings.systemProviders[0];
  if (system) return `${SYSTEM_PREFIX}${system.id}`;
  throw new AppError('AI_NOT_CONFIGURED', 'Add an AI provider first');
}

/** A real SDK client on the guarded fetch. Retries are ours to decide: a retried stream could repeat text. */
export function openClient(deps: AppDeps, provider: ResolvedProvider, timeoutMs: number): OpenAI {
  return new OpenAI({ apiKey: provider.apiKey, baseURL: provider.baseUrl, fetch: deps.ai.fetch, maxRetries: 0, timeout: timeoutMs });
}
