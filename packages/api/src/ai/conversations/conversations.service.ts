import { aiConversations, aiMessages } from '@chorus/db';
import { and, count, desc, eq, lt } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import type { DbOrTx } from '../../kernel';
import type { TProviderRef } from '../ai.schema';
import { stopGeneration } from '../chat/stop.service';
import { isSystemRef, resolveProvider } from '../providers/providers';
import { requireOwnConversation } from './ownership';
import { toConversationView, toMessageView, type AiConversationView, type AiMessageView } from './views';
import { onReadDb } from '../../replica/on-replica';

export async function createConversation(deps: AppDeps, userId: number, input: { title?: string; configId?: TProviderRef }): Promise<AiConversationView> {
  // Only the caller's own configs (or a system provider) can be attached.
  if (input.configId !== undefined) await resolveProvider(deps, userId, input.configId);
  const now = deps.clock.now();
  const ref = input.configId;
  const id = await deps.db.transaction(async (tx) => {
    const [result] = await tx.insert(aiConversations).values({
      userId,
      title: input.title ?? null,
      titleByUser: input.title !== undefined,
      configId: ref !== undefined && !isSystemRef(ref) ? ref : null,
      systemProviderId: ref !== undefined && isSystemRef(ref) ? ref.slice('system:'.length) : null,
      createdAt: now,
      lastActivityAt: now,
    });
    if (input.title !== undefined) await deps.search.enqueue(tx, [result.insertId], 'ai_title');
    return result.insertId;
  });
  return toConversationView(await requireOwnConversation(deps.db, userId, id));
}

/** A page by last activity, and how many there are in all (for offset paging). */
export function listConversations(
  deps: AppDeps,
  userId: number,
  input: { limit: number; offset: number },
): Promise<{ items: AiConversationView[]; total: number }> {
  return onReadDb(deps, userId, (on) => listOn(on, userId, input));
}

async function listOn(deps: AppDeps, userId: number, input: { limit: number; offset: number }): Promise<{ items: AiConversationView[]; total: number }> {
  const [counted] = await deps.db.select({ total: count() }).from(aiConversations).where(eq(aiConversations.userId, userId));
  const rows = await deps.db
    .select()
    .from(aiConversations)
    .where(eq(aiConversations.userId, userId))
    .orderBy(desc(aiConversations.lastActivityAt), desc(aiConversations.id))
    .limit(input.limit)
    .offset(input.offset);
  return { items: rows.map(toConversationView), total: counted?.total ?? 0 };
}

export async function renameConversation(deps: AppDeps, userId: number, conversationId: number, title: string): Promise<AiConversationView> {
  await requireOwnConversation(deps.db, userId, conversationId);
  await deps.db.transaction(async (tx) => {
    await tx.update(aiConversations).set({ title, titleByUser: true }).where(eq(aiConversations.id, conversationId));
    await deps.search.enqueue(tx, [conversationId], 'ai_title');
  });
  return toConversationView(await requireOwnConversation(deps.db, userId, conversationId));
}

/** Running answers are stopped first, so nothing keeps writing into a conversation that is gone. */
async function stopRunning(deps: AppDeps, userId: number, conversationId: number): Promise<void> {
  const running = await deps.db
    .select({ id: aiMessages.id })
    .from(aiMessages)
    .where(and(eq(aiMessages.conversationId, conversationId), eq(aiMessages.status, 'streaming')));
  for (const { id } of running) await stopGeneration(deps, userId, id);
}

export async function deleteConversation(deps: AppDeps, userId: number, conversationId: number): Promise<void> {
  await requireOwnConversation(deps.db, userId, conversationId);
  await stopRunning(deps, userId, conversationId);
  await deps.db.transaction(async (tx) => {
    const gone = await messageIdsOf(tx, conversationId);
    await tx.delete(aiConversations).where(and(eq(aiConversations.id, conversationId), eq(aiConversations.userId, userId)));
    await forget(deps, tx, gone, conversationId);
  });
}

/** The conversation's message ids, read in the transaction that deletes them. */
async function messageIdsOf(tx: DbOrTx, conversationId: number): Promise<number[]> {
  const rows = await tx.select({ id: aiMessages.id }).from(aiMessages).where(eq(aiMessages.conversationId, conversationId));
  return rows.map((row) => row.id);
}

/**
 * Queues the index rows of deleted messages (and title) for removal: search hides them at once
 * (its query joins the live rows), but their text must not stay behind in the index.
 */
async function forget(deps: AppDeps, tx: DbOrTx, messageIds: number[], titleOf?: number): Promise<void> {
  await deps.search.enqueue(tx, messageIds, 'ai_message');
  if (titleOf !== undefined) await deps.search.enqueue(tx, [titleOf], 'ai_title');
}

/** Clears the history and keeps the conversation (its title and provider too). */
export async function resetConversation(deps: AppDeps, userId: number, conversationId: number): Promise<AiConversationView> {
  await requireOwnConversation(deps.db, userId, conversationId);
  await stopRunning(deps, userId, conversationId);
  await deps.db.transaction(async (tx) => {
    const gone = await messageIdsOf(tx, conversationId);
    await tx.delete(aiMessages).where(eq(aiMessages.conversationId, conversationId));
    await forget(deps, tx, gone);
  });
  return toConversationView(await requireOwnConversation(deps.db, userId, conversationId));
}

/** Newest first, paged with `beforeId`. */
export async function listMessages(
  deps: AppDeps,
  userId: number,
  input: { conversationId: number; beforeId?: number; limit: number },
): Promise<{ items: AiMessageView[]; nextBeforeId: number | null }> {
  await requireOwnConversation(deps.db, userId, input.conversationId);
  const rows = await deps.db
    .select()
    .from(aiMessages)
    .where(and(eq(aiMessages.conversationId, input.conversationId), input.beforeId === undefined ? undefined : lt(aiMessages.id, input.beforeId)))
    .orderBy(desc(aiMessages.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const items = await Promise.all(
    page.map(async (row) => (row.status === 'streaming' ? toMessageView(row, await deps.ai.log.textSoFar(row.id)) : toMessageView(row))),
  );
  return { items, nextBeforeId: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}
