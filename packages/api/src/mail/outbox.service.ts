import { mailOutbox, type Db, type TMailOutboxRow } from '@chorus/db';
import { and, asc, count, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { systemClock, type Clock, type DbOrTx } from '../kernel';
import { renderMail, type MailTemplateData, type MailTemplateName } from './templates';

export interface OutboxMail<T extends MailTemplateName = MailTemplateName> {
  to: string;
  template: T;
  /** The recipient's locale (`zh-CN`, `en`…); anything not Chinese gets English. */
  locale?: string | null;
  data: MailTemplateData[T];
  /** Extra headers (List-Unsubscribe and the like), sent with the mail. */
  headers?: Record<string, string>;
}

/**
 * Renders now (so a later template change never alters a queued mail) and stores the row,
 * inside the caller's transaction when given one, so the mail exists iff its cause commits.
 * Nothing is sent here: after the transaction commits, call the worker's `wake()`.
 */
export async function enqueueMail<T extends MailTemplateName>(deps: { db: DbOrTx; clock?: Clock }, mail: OutboxMail<T>): Promise<{ id: number }> {
  const rendered = renderMail(mail.template, mail.locale, mail.data);
  // Times come from the clock, not the column default: CURRENT_TIMESTAMP follows the
  // connection's time zone, and the worker compares against the clock.
  const now = (deps.clock ?? systemClock).now();
  const [row] = await deps.db
    .insert(mailOutbox)
    .values({
      toAddress: mail.to,
      subject: rendered.subject,
      textBody: rendered.text,
      htmlBody: rendered.html,
      template: mail.template,
      headers: mail.headers ?? null,
      nextAttemptAt: now,
      createdAt: now,
    })
    .$returningId();
  if (!row) throw new Error('mail_outbox insert returned no id');
  return { id: row.id };
}

/**
 * Takes up to `limit` due rows for this worker until `leaseUntil`.
 *
 * SKIP LOCKED makes concurrent claimers (other instances) pass over rows another claim
 * transaction holds instead of waiting for or re-reading them; the lease written before
 * commit then keeps everyone else off while this worker sends outside any transaction.
 * READ COMMITTED avoids gap locks, so a claim never blocks a request's enqueue.
 */
export async function claimDueMail(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<TMailOutboxRow[]> {
  return db.transaction(
    async (tx) => {
      const rows = await tx
        .select()
        .from(mailOutbox)
        .where(and(eq(mailOutbox.status, 'pending'), lte(mailOutbox.nextAttemptAt, now), or(isNull(mailOutbox.lockedUntil), lt(mailOutbox.lockedUntil, now))))
        .orderBy(asc(mailOutbox.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return [];
      const ids = rows.map((row) => row.id);
      await tx.update(mailOutbox).set({ lockedUntil: leaseUntil }).where(inArray(mailOutbox.id, ids));
      return rows;
    },
    { isolationLevel: 'read committed' },
  );
}

/** Bodies and headers go as soon as the mail is out (or given up): they may hold one-time codes and link tokens. */
export async function markMailSent(db: Db, id: number, attempts: number, sentAt: Date, providerMessageId: string): Promise<void> {
  await db
    .update(mailOutbox)
    .set({
      status: 'sent',
      attempts,
      sentAt,
      providerMessageId: providerMessageId.slice(0, 128),
      textBody: '',
      htmlBody: null,
      headers: null,
      lockedUntil: null,
    })
    .where(eq(mailOutbox.id, id));
}

export async function markMailFailed(db: Db, id: number, update: { attempts: number; lastError: string; nextAttemptAt: Date; dead: boolean }): Promise<void> {
  await db
    .update(mailOutbox)
    .set({
      attempts: update.attempts,
      lastError: update.lastError.slice(0, 1000),
      nextAttemptAt: update.nextAttemptAt,
      lockedUntil: null,
      ...(update.dead ? { status: 'dead' as const, textBody: '', htmlBody: null, headers: null } : {}),
    })
    .where(eq(mailOutbox.id, id));
}

/** Hands unsent claimed rows back at once (worker stopping) instead of waiting for the lease. */
export async function releaseMail(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(mailOutbox)
    .set({ lockedUntil: null })
    .where(and(inArray(mailOutbox.id, ids), eq(mailOutbox.status, 'pending')));
}

/** Mails still to be sent (the outbox's backlog, for metrics). */
export async function countPendingMail(db: Db): Promise<number> {
  const [row] = await db.select({ pending: count() }).from(mailOutbox).where(eq(mailOutbox.status, 'pending'));
  return row?.pending ?? 0;
}
