import { aiConfigs, users, type TAiConfigRow } from '@chorus/db';
import { and, count, eq, ne } from 'drizzle-orm';
import type { z } from 'zod';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import { AppError } from '../../errors';
import type { ZAiConfigView } from '../ai.outputs';
import type { TCreateConfigInput, TUpdateConfigInput } from '../ai.schema';
import { keyContext, loadOwnConfig } from '../providers/providers';
import { validateProviderUrl } from '../../net/ssrf-guard';

export const MAX_CONFIGS_PER_USER = 20;

export type AiConfigView = z.infer<typeof ZAiConfigView>;

function toView(row: TAiConfigRow): AiConfigView {
  const { id, label, baseUrl, model, apiKeyLast4, params, isDefault, createdAt, updatedAt } = row;
  return { id, kind: 'user', label, baseUrl, model, apiKeyLast4, params, isDefault, createdAt, updatedAt };
}

export async function listConfigs(deps: AppDeps, userId: number): Promise<AiConfigView[]> {
  const rows = await deps.db.select().from(aiConfigs).where(eq(aiConfigs.userId, userId)).orderBy(aiConfigs.id);
  const system = deps.ai.settings.systemProviders.map((provider): AiConfigView => ({
    id: `system:${provider.id}`,
    kind: 'system',
    label: provider.label,
    baseUrl: null,
    model: provider.model,
    apiKeyLast4: null,
    params: { temperature: provider.params.temperature, maxTokens: provider.params.maxTokens },
    isDefault: false,
    createdAt: null,
    updatedAt: null,
  }));
  return [...rows.map(toView), ...system];
}

function sealKey(deps: AppDeps, userId: number, apiKey: string) {
  const sealed = deps.ai.vault.seal(apiKey, keyContext(userId));
  return { apiKeySealed: sealed.ciphertext, apiKeyVersion: sealed.keyVersion, apiKeyLast4: apiKey.slice(-4) };
}

async function clearOtherDefaults(tx: DbOrTx, userId: number, keepId: number): Promise<void> {
  await tx
    .update(aiConfigs)
    .set({ isDefault: false })
    .where(and(eq(aiConfigs.userId, userId), ne(aiConfigs.id, keepId)));
}

export async function createConfig(deps: AppDeps, userId: number, input: TCreateConfigInput): Promise<AiConfigView> {
  const baseUrl = await validateProviderUrl(input.baseUrl, deps.ai.settings.egress);
  const id = await deps.db.transaction(async (tx) => {
    // Serialize one user's creates on their user row; locking the configs index range instead
    // would take gap locks that deadlock other users' inserts.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    const [existing] = await tx.select({ n: count() }).from(aiConfigs).where(eq(aiConfigs.userId, userId));
    if ((existing?.n ?? 0) >= MAX_CONFIGS_PER_USER) throw new AppError('BAD_INPUT', `At most ${MAX_CONFIGS_PER_USER} providers per user`);
    const now = deps.clock.now();
    const [result] = await tx.insert(aiConfigs).values({
      userId,
      label: input.label,
      baseUrl,
      model: input.model,
      ...sealKey(deps, userId, input.apiKey),
      params: input.params,
      isDefault: input.isDefault,
      createdAt: now,
      updatedAt: now,
    });
    if (input.isDefault) await clearOtherDefaults(tx, userId, result.insertId);
    return result.insertId;
  });
  return toView(await loadOwnConfig(deps.db, userId, id));
}

export async function updateConfig(deps: AppDeps, userId: number, input: TUpdateConfigInput): Promise<AiConfigView> {
  await loadOwnConfig(deps.db, userId, input.id);
  const baseUrl = input.baseUrl === undefined ? undefined : await validateProviderUrl(input.baseUrl, deps.ai.settings.egress);
  await deps.db.transaction(async (tx) => {
    await tx
      .update(aiConfigs)
      .set({
        label: input.label,
        baseUrl,
        model: input.model,
        params: input.params,
        isDefault: input.isDefault,
        ...(input.apiKey === undefined ? {} : sealKey(deps, userId, input.apiKey)),
        updatedAt: deps.clock.now(),
      })
      .where(and(eq(aiConfigs.id, input.id), eq(aiConfigs.userId, userId)));
    if (input.isDefault) await clearOtherDefaults(tx, userId, input.id);
  });
  return toView(await loadOwnConfig(deps.db, userId, input.id));
}

/** Conversations that used it fall back to the default provider (the column is set null). */
export async function deleteConfig(deps: AppDeps, userId: number, configId: number): Promise<void> {
  const [result] = await deps.db.delete(aiConfigs).where(and(eq(aiConfigs.id, configId), eq(aiConfigs.userId, userId)));
  if (result.affectedRows === 0) throw new AppError('NOT_FOUND', 'No such provider');
}
