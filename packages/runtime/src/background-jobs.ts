import {
  defaultFileCleanup,
  defaultNotificationCleanup,
  defaultPinExpiry,
  defaultDigestJob,
  startDigestJob,
  type DigestJobConfig,
  startCallSweeper,
  startFileCleanup,
  startInterruptedSweeper,
  startNotificationCleanup,
  startPinExpiry,
  startPushWorker,
  startPushFanout,
  type AppDeps,
  type FileCleanupConfig,
  type NotificationCleanupConfig,
  type PinExpiryConfig,
  type PushWorkerOptions,
  type PushFanoutOptions,
} from '@chorus/api';
import { startMailWorker, type MailWorkerOptions } from '@chorus/api/mail';

/**
 * Every job a server runs besides answering requests. The set is fixed: production and the
 * test servers start the same jobs, and only their settings (mail driver, periods) differ.
 */
export interface BackgroundJobsOptions {
  /** The mail outbox worker: driver, sender, poll interval, retry backoff. */
  mail: MailWorkerOptions;
  /** Deletes old notifications, one instance per period. */
  notificationCleanup?: Partial<NotificationCleanupConfig>;
  /** Deletes abandoned uploads and stored bytes without a row, one instance per period. */
  fileCleanup?: Partial<FileCleanupConfig>;
  /** How often generations left `streaming` by a dead process are looked for. */
  aiSweepEveryMs?: number;
  /** Removes expired pins (and tells the conversations), one instance per period. */
  pinExpiry?: Partial<PinExpiryConfig>;
  /** The push outbox worker (woken by `deps.push` after each commit that queued pushes): poll, batch, parallel sends, backoff. */
  push?: PushWorkerOptions;
  /** Mails digests of unread direct messages and mentions to users offline for DIGEST_AFTER_MINUTES, one instance per pass. */
  digest?: Partial<DigestJobConfig>;
  /** Expands push jobs into pushes on every instance: poll period, batch size, lease. */
  pushFanout?: Partial<PushFanoutOptions>;
}

export interface BackgroundJobs {
  /** Stops every job and resolves once the work in progress (a mail, a call sweep) is done. */
  stop(): Promise<void>;
}

/**
 * Starts the mail worker (woken by `deps.mail` after each commit that queued mail), the
 * notification and file cleanups, the sweeper of interrupted AI generations and the call
 * sweeper (ring timeouts, dropped parties; its period is `deps.calls.settings.sweepEveryMs`)
 * and the expiry of pinned messages, and the push fan-out (woken by `deps.pushFanout`).
 */
export function startBackgroundJobs(deps: AppDeps, options: BackgroundJobsOptions): BackgroundJobs {
  const mailWorker = startMailWorker(deps, options.mail);
  deps.mail.onWake(() => mailWorker.wake());
  const notificationCleanup = startNotificationCleanup(deps, { ...defaultNotificationCleanup, ...options.notificationCleanup });
  const aiSweeper = startInterruptedSweeper(deps, options.aiSweepEveryMs);
  const fileCleanup = startFileCleanup(deps, { ...defaultFileCleanup, ...options.fileCleanup });
  const callSweeper = startCallSweeper(deps);
  const pinExpiry = startPinExpiry(deps, { ...defaultPinExpiry, ...options.pinExpiry });
  const pushWorker = startPushWorker(deps, options.push);
  deps.push.onWake(() => pushWorker.wake());
  const digest = startDigestJob(deps, { ...defaultDigestJob, ...options.digest });
  const pushFanout = startPushFanout(deps, options.pushFanout);
  deps.pushFanout.onWake(() => pushFanout.wake());

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        notificationCleanup.stop();
        aiSweeper.stop();
        fileCleanup.stop();
        await Promise.all([callSweeper.stop(), mailWorker.stop(), pinExpiry.stop(), pushFanout.stop(), pushWorker.stop(), digest.stop()]);
      })();
      return stopping;
    },
  };
}
