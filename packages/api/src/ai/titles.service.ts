import { aiConversations, aiMessages } from '@chorus/db';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { AppDeps } from '../deps';
import { recordUsage } from './generation/finalize';
import { providerErrorLogFields } from './providers/provider-errors';
import { openClient, type ResolvedProvider } from './providers/providers';

const TITLE_INSTRUCTIONS =
  'Write a title of at most six words for the conversation below, in the language the user writes in. ' +
  'Answer with the title only: no quotes, no trailing punctuation.';
const EXCERPT_CHARS = 2_000;
const MAX_TITLE_CHARS = 80;

/** The first line, without quotes, a "Title:" prefix or trailing punctuation. */
export function cleanTitle(raw: string): string {
  const line = raw.trim().split('\n')[0] ?? '';
  return line
    .replace(/^(title|标题)\s*[:：]\s*/i, '')
    .replace(/^["'“”‘’«»「」『』*\s]+/, '')
    .replace(/["'“”‘’«»「」『』*.。!！?？\s]+$/, '')
    .trim()
    .slice(0, MAX_TITLE_CHARS);
}

/**
 * After the first completed exchange of an untitled conversation, asks the same provider for
 * a short title and pushes it to the user's event stream. Never throws: a title is a nicety.
 */
export async function maybeGenerateTitle(deps: AppDeps, userId: number, conversationId: number, provider: ResolvedProvider): Promise<void> {
  try {
    const [conversation] = await deps.db.select().from(aiConversations).where(eq(aiConversations.id, conversationId)).limit(1);
    if (!conversation || conversation.title !== null || conversation.titleByUser) return;
    const firstTwo = await deps.db
      .select({ role: aiMessages.role, content: aiMessages.content, status: aiMessages.status })
      .from(aiMessages)
      .where(eq(aiMessages.conversationId, conversationId))
      .orderBy(asc(aiMessages.id))
      .limit(2);
    const [question, answer] = firstTwo;
    if (question?.role !== 'user' || answer?.role !== 'assistant' || answer.status !== 'complete') return;

    const client = openClient(deps, provider, deps.ai.settings.requestTimeoutMs);
    const completion = await client.chat.completions.create({
      model: provider.model,
      max_tokens: 30,
      messages: [
        { role: 'system', content: TITLE_INSTRUCTIONS },
        { role: 'user', content: `User: ${question.content.slice(0, EXCERPT_CHARS)}\n\nAssistant: ${answer.content.slice(0, EXCERPT_CHARS)}` },
      ],
    });
    const title = cleanTitle(completion.choices[0]?.message?.content ?? '');
    if (completion.usage) {
      await recordUsage(deps, userId, deps.clock.now(), {
        promptTokens: completion.usage.prompt_tokens,
        completionTokens: completion.usage.completion_tokens,
        totalTokens: completion.usage.total_tokens,
      });
    }
    if (!title) return;
    const stored = await deps.db.transaction(async (tx) => {
      const [result] = await tx
        .update(aiConversations)
        .set({ title })
        .where(and(eq(aiConversations.id, conversationId), isNull(aiConversations.title), eq(aiConversations.titleByUser, false)));
      if (result.affectedRows > 0) await deps.search.enqueue(tx, [conversationId], 'ai_title');
      return result.affectedRows > 0;
    });
    if (!stored) return;
    await deps.realtime.publishToUsers([userId], `ai-title:${conversationId}`, { type: 'ai.title', conversationId, title });
  } catch (error) {
    deps.logger.warn({ conversationId, ...providerErrorLogFields(error) }, 'ai title not generated');
  }
}
