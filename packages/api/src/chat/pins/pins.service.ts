import { messagePins, messages, type TMessageRow } from '@chorus/db';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { retryOnDeadlock } from '../../db-errors';
import type { AppDeps } from '../../deps';
import { AppError } from '../../errors';
import type { StoredConversationEvent } from '../../realtime/stored-event';
import { appendConversationEvent } from '../conversation-log';
import { withReactions } from '../message.mapper';
import { requireMember, visibleAfter } from '../membership';
import { requireVisibleMessage } from '../messages.service';
import { requirePinRights } from './pin-rights';
import { lockConversation } from '../conversation-lock';
import { expirePinsLocked, removePinLocked } from './pin-store';
import { MAX_PIN_MS, MAX_PINS, type PinView, type TPinInput } from './pins.schema';

/**
 * Pins a message for every member, until `until` or until unpinned. Pinning a pinned message
 * again replaces its pin (and does not count against the cap).
 */
export async function pinMessage(deps: AppDeps, userId: number, input: TPinInput): Promise<PinView> {
  const message = await requirePinnableMessage(deps, input.messageId, userId);
  const now = deps.clock.now();
  const until = input.until ?? null;
  if (until && until.getTime() <= now.getTime()) throw new AppError('BAD_INPUT', 'until must be in the future');
  if (until && until.getTime() - now.getTime() > MAX_PIN_MS) throw new AppError('BAD_INPUT', 'until may be at most a year ahead');
  const { conversationId } = message;
  const { events, current } = await retryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      // The conversation's lock (taken first, as by a delete) keeps a delete from slipping
      // between this check and the pin; the row read under it is what the answer shows (an edit
      // may have come after the read above).
      await lockConversation(tx, conversationId);
      const [current] = await tx.select().from(messages).where(eq(messages.id, message.id)).for('update');
      if (!current || current.deletedAt) throw new AppError('CONFLICT', 'This message was deleted');
      const expired = await expirePinsLocked(tx, now, conversationId);
      const [existing] = await tx.select({ messageId: messagePins.messageId }).from(messagePins).where(eq(messagePins.messageId, message.id));
      if (!existing) {
        const [row] = await tx.select({ pins: count() }).from(messagePins).where(eq(messagePins.conversationId, conversationId));
        if ((row?.pins ?? 0) >= MAX_PINS) {
          throw new AppError('PIN_LIMIT_REACHED', `A conversation holds at most ${MAX_PINS} pins: unpin one first`, { details: { max: MAX_PINS } });
        }
      }
      const pin = { messageId: message.id, conversationId, pinnedBy: userId, pinnedAt: now, expiresAt: until };
      await tx
        .insert(messagePins)
        .values(pin)
        .onDuplicateKeyUpdate({ set: { pinnedBy: userId, pinnedAt: now, expiresAt: until } });
      const pinned = await appendConversationEvent(tx, now, conversationId, {
        type: 'message.pinned',
        messageId: message.id,
        by: userId,
        pinnedAt: now,
        until,
      });
      return { events: [...expired, pinned], current };
    }),
  );
  await publish(deps, events);
  const [view] = await withReactions(deps.db, [current]);
  return { message: view!, pinnedBy: userId, pinnedAt: now, until };
}

/** Removes a pin; unpinning a message that has none is a no-op (no event). */
export async function unpinMessage(deps: AppDeps, userId: number, messageId: number): Promise<{ ok: true }> {
  const message = await requirePinnableMessage(deps, messageId, userId);
  const now = deps.clock.now();
  const events = await retryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      await lockConversation(tx, message.conversationId);
      const expired = await expirePinsLocked(tx, now, message.conversationId);
      const removed = await removePinLocked(tx, now, message.conversationId, messageId, userId, 'unpinned');
      return removed ? [...expired, removed] : expired;
    }),
  );
  await publish(deps, events);
  return { ok: true };
}

/**
 * The conversation's pins, newest first, each with its message as `chat.history` shows it. An
 * expired pin is never returned, even before the expiry job has removed it (it is removed
 * here then); a member whose history starts at joining does not see pins of older messages.
 */
export async function listPins(deps: AppDeps, userId: number, conversationId: number): Promise<PinView[]> {
  const membership = await requireMember(deps.db, conversationId, userId);
  const now = deps.clock.now();
  const rows = await deps.db
    .select({ pin: messagePins, message: messages })
    .from(messagePins)
    .innerJoin(messages, eq(messages.id, messagePins.messageId))
    .where(and(eq(messagePins.conversationId, conversationId), isNull(messages.deletedAt)))
    .orderBy(desc(messagePins.pinnedAt), desc(messagePins.messageId));
  const live = rows.filter(({ pin }) => pin.expiresAt === null || pin.expiresAt.getTime() > now.getTime());
  if (live.length < rows.length) await expirePins(deps, conversationId);
  const floor = visibleAfter(membership);
  const visible = live.filter(({ message }) => message.id > floor);
  const views = await withReactions(
    deps.db,
    visible.map(({ message }) => message),
  );
  return visible.map(({ pin }, index) => ({ message: views[index]!, pinnedBy: pin.pinnedBy, pinnedAt: pin.pinnedAt, until: pin.expiresAt }));
}

/** Removes a conversation's expired pins and tells its members. Returns how many went. */
export async function expirePins(deps: Pick<AppDeps, 'db' | 'clock' | 'realtime'>, conversationId: number): Promise<number> {
  const now = deps.clock.now();
  const events = await retryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      await lockConversation(tx, conversationId);
      return expirePinsLocked(tx, now, conversationId);
    }),
  );
  await publish(deps, events);
  return events.length;
}

/**
 * A message the caller can see (member, above their history floor; anyone else learns "not
 * found") in a conversation where they may pin.
 */
async function requirePinnableMessage(deps: AppDeps, messageId: number, userId: number): Promise<TMessageRow> {
  const message = await requireVisibleMessage(deps.db, messageId, userId);
  const membership = await requireMember(deps.db, message.conversationId, userId);
  await requirePinRights(deps.db, membership, userId);
  return message;
}

async function publish(deps: Pick<AppDeps, 'realtime'>, events: StoredConversationEvent[]): Promise<void> {
  for (const event of events) await deps.realtime.publishConversationEvent(event);
}
