import { aiMessages } from '@chorus/db';
import { tracked, type TrackedEnvelope } from '@trpc/server';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import { failureMessage, type AiFailureCode } from '../providers/provider-errors';
import { finalizeInterrupted } from './interrupted';
import type { LoggedEntry, TokenUsage } from './generation-log';

/** Everything `ai.chat.stream` yields. Text arrives in deltas; `done` and `error` end the stream. */
export type AiStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; messageId: number; text: string; finishReason: string; usage: TokenUsage | null }
  /** `text` is the partial answer that was stored. */
  | { type: 'error'; messageId: number; code: AiFailureCode; message: string; text: string };

export type AiStreamItem = TrackedEnvelope<AiStreamEvent>;

/**
 * A generation's output for one subscriber: listen first, then read the log after
 * `lastEventId` (the text so far arrives as one delta), then live entries, filling gaps from
 * the log. Ends after the final entry. If the generating process died, whoever notices
 * first stores the partial answer as interrupted.
 *
 * `authorize` is the caller's access check: the first read of the log runs beside it (a
 * subscriber's first delta waits for one round trip, not two), and nothing is yielded before it
 * has passed; if it fails, the stream fails with its error.
 */
export async function* generationStream(
  deps: AppDeps,
  messageId: number,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  authorize: () => Promise<unknown> = async () => {},
): AsyncGenerator<AiStreamItem> {
  const { log, settings } = deps.ai;
  let position = lastEventId ? Number(lastEventId) : 0;
  const live: LoggedEntry[] = [];
  let reread = true;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const unlisten = log.listen(messageId, {
    onEntry: (logged) => {
      live.push(logged);
      poke();
    },
    onMaybeMissed: () => {
      reread = true;
      poke();
    },
  });
  const onAbort = () => poke();
  signal?.addEventListener('abort', onAbort);
  const authorized = authorize();
  // Settled either way, so a failed access check leaves no unhandled rejection behind.
  const firstRead = log.read(messageId, position).then(
    (read) => ({ read }),
    (error: unknown) => ({ error }),
  );

  /** Consecutive deltas become one; returns the events to yield and whether the stream ended. */
  function emit(entries: LoggedEntry[]): { out: AiStreamItem[]; ended: boolean } {
    const out: AiStreamItem[] = [];
    let text = '';
    let textSeq = 0;
    const flushText = () => {
      if (text) out.push(tracked(String(textSeq), { type: 'delta', text }));
      text = '';
    };
    for (const { seq, entry } of entries) {
      if (seq <= position) continue;
      position = seq;
      if (entry.t === 'delta') {
        text += entry.text;
        textSeq = seq;
        continue;
      }
      flushText();
      out.push(
        tracked(
          String(seq),
          entry.t === 'done'
            ? { type: 'done', messageId, text: entry.text, finishReason: entry.finishReason, usage: entry.usage }
            : { type: 'error', messageId, code: entry.code, message: failureMessage(entry.code), text: entry.text },
        ),
      );
      return { out, ended: true };
    }
    flushText();
    return { out, ended: false };
  }

  try {
    await authorized;
    let prefetched: Awaited<typeof firstRead> | null = await firstRead;
    while (!signal?.aborted) {
      if (reread) {
        reread = false;
        // Live entries that came after the first read was sent are kept; seq order drops repeats.
        if (!prefetched) live.length = 0;
        const first = prefetched;
        prefetched = null;
        if (first && 'error' in first) throw first.error;
        const read = first ? first.read : await log.read(messageId, position);
        if (read === null) {
          const final = await finalFromDatabase(deps, messageId, position);
          if (final) {
            yield final;
            return;
          }
        } else {
          if (position > read.length) throw new AppError('BAD_INPUT', 'lastEventId is not a position of this answer');
          const { out, ended } = emit(read.entries);
          yield* out;
          if (ended) return;
        }
      }
      const batch: LoggedEntry[] = [];
      while (live.length > 0) {
        const next = live[0]!;
        const expected = position + batch.length + 1;
        if (next.seq < expected) live.shift();
        else if (next.seq === expected) batch.push(live.shift()!);
        else {
          reread = true;
          break;
        }
      }
      const { out, ended } = emit(batch);
      yield* out;
      if (ended) return;
      if (reread || live.length > 0) continue;
      const woke = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), settings.heartbeatMs * 2);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!woke && !(await log.isRunning(messageId))) {
        await finalizeInterrupted(deps, messageId);
        reread = true;
      }
    }
  } finally {
    unlisten();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The log is gone (expired, or never written): the stored message says how it ended. */
async function finalFromDatabase(deps: AppDeps, messageId: number, position: number): Promise<AiStreamItem | null> {
  const [row] = await deps.db.select().from(aiMessages).where(eq(aiMessages.id, messageId)).limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'The message was deleted');
  if (row.status === 'streaming') {
    if (!(await deps.ai.log.isRunning(messageId))) await finalizeInterrupted(deps, messageId);
    return null;
  }
  const id = String(position + 1);
  if (row.status === 'failed') {
    const code = (row.errorCode ?? 'upstream') as AiFailureCode;
    return tracked(id, { type: 'error', messageId, code, message: failureMessage(code), text: row.content });
  }
  const usage =
    row.promptTokens === null || row.completionTokens === null
      ? null
      : { promptTokens: row.promptTokens, completionTokens: row.completionTokens, totalTokens: row.promptTokens + row.completionTokens };
  return tracked(id, { type: 'done', messageId, text: row.content, finishReason: row.finishReason ?? 'stop', usage });
}
