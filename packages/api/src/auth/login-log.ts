import { loginAttempts } from '@chorus/db';
import type { AppDeps } from '../deps';
import type { RequestMeta } from './request-meta';

export type LoginOutcome = 'ok' | 'invalid_credentials' | 'email_not_verified' | 'user_banned' | 'rate_limited';

/** Records one login attempt; never fails the login it describes. */
export async function recordLoginAttempt(
  deps: Pick<AppDeps, 'db' | 'logger' | 'clock'>,
  attempt: { userId: number | null; login: string; outcome: LoginOutcome; method?: string; meta: RequestMeta },
): Promise<void> {
  try {
    await deps.db.insert(loginAttempts).values({
      userId: attempt.userId,
      login: attempt.login.slice(0, 254),
      success: attempt.outcome === 'ok',
      reason: attempt.outcome,
      method: attempt.method ?? 'password',
      ip: attempt.meta.ip?.slice(0, 45) ?? null,
      userAgent: attempt.meta.userAgent?.slice(0, 512) ?? null,
      createdAt: deps.clock.now(),
    });
  } catch (error) {
    deps.logger.error({ err: error }, 'could not record login attempt');
  }
}
