import { messages, users } from '@chorus/db';
import { and, desc, eq, gt, inArray, isNull } from 'drizzle-orm';
import { consumeOrThrow } from '../auth/rate-limits';
import { requireMember, visibleAfter } from '../chat/membership';
import type { AppDeps } from '../deps';
import { recordUsage } from './generation/finalize';
import { providerAppError, providerErrorLogFields } from './providers/provider-errors';
import { defaultProviderRef, openClient, resolveProvider } from './providers/providers';

const RECENT_MESSAGES = 20;
const MAX_SUGGESTION_CHARS = 200;

/** Reads a JSON array of strings if there is one, else one suggestion per line. */
export function parseSuggestions(raw: string): string[] {
  const start = raw.indexOf('[');
  const end = raw.lastIndexOf(']');
  let items: unknown[] = [];
  if (start >= 0 && end > start) {
    try {
      const parsed: unknown = JSON.parse(raw.slice(start, end + 1));
      if (Array.isArray(parsed)) items = parsed;
    } catch {
      items = [];
    }
  }
  if (items.length === 0) items = raw.split('\n').map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, ''));
  return items
    .filter((item): item is string => typeof item === 'string')
    .map((item) =>
      item
        .trim()
        .replace(/^["“]|["”]$/g, '')
        .slice(0, MAX_SUGGESTION_CHARS),
    )
    .filter(Boolean)
    .slice(0, 3);
}

/** Three short replies the caller could send next, from the conversation's recent messages. */
export async function suggestReplies(deps: AppDeps, userId: number, conversationId: number): Promise<{ suggestions: string[] }> {
  const membership = await requireMember(deps.db, conversationId, userId);
  const after = visibleAfter(membership);
  const provider = await resolveProvider(deps, userId, await defaultProviderRef(deps, userId));
  await consumeOrThrow(deps.limiters.aiRequestsPerUser, String(userId));
  const recent = await deps.db
    .select({ senderId: messages.senderId, text: messages.text, username: users.username })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.senderId))
    .where(and(eq(messages.conversationId, conversationId), gt(messages.id, after), isNull(messages.deletedAt), inArray(messages.kind, ['text', 'emoji'])))
    .orderBy(desc(messages.id))
    .limit(RECENT_MESSAGES);
  if (recent.length === 0) return { suggestions: [] };
  const transcript = recent
    .reverse()
    .map((message) => `${message.senderId === userId ? 'Me' : message.username}: ${message.text ?? ''}`)
    .join('\n');
  const client = openClient(deps, provider, deps.ai.settings.requestTimeoutMs);
  try {
    const completion = await client.chat.completions.create({
      model: provider.model,
      max_tokens: 200,
      messages: [
        {
          role: 'system',
          content:
            'Suggest three short replies "Me" could send next in this chat, in the language of the chat. Answer with a JSON array of three strings and nothing else.',
        },
        { role: 'user', content: transcript },
      ],
    });
    if (completion.usage) {
      await recordUsage(deps, userId, deps.clock.now(), {
        promptTokens: completion.usage.prompt_tokens,
        completionTokens: completion.usage.completion_tokens,
        totalTokens: completion.usage.total_tokens,
      });
    }
    return { suggestions: parseSuggestions(completion.choices[0]?.message?.content ?? '') };
  } catch (error) {
    deps.logger.info({ conversationId, ...providerErrorLogFields(error) }, 'ai suggestions failed');
    throw providerAppError(error);
  }
}
