import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc';
import {
  ZAuthResult,
  ZLoginInput,
  ZPrivateUser,
  ZRegisterInput,
  ZRequestPasswordResetInput,
  ZResendCodeInput,
  ZResetPasswordInput,
  ZRevokeSessionInput,
  ZSessionInfo,
  ZUpgradeGuestInput,
  ZVerifyEmailInput,
} from './auth.schema';
import { clearSessionCookie, setSessionCookie } from './cookies';
import { login } from './login.service';
import { requestPasswordReset, resetPassword } from './password-reset.service';
import { register } from './register.service';
import { listSessions, revokeAllSessions, revokeSession, watchSession } from './session-management';
import { createGuest, upgradeGuest } from './guest.service';
import { getOwnUser } from './users.mapper';
import { resendCode, verifyEmail } from './verify.service';

const withCookie = <T extends { token: string; expiresAt: Date }>(
  ctx: { res: import('node:http').ServerResponse | null; deps: { config: { cookieSecure: boolean } } },
  result: T,
) => {
  setSessionCookie(ctx.res, result.token, result.expiresAt, ctx.deps.config.cookieSecure);
  return result;
};

export const authRouter = router({
  register: publicProcedure
    .input(ZRegisterInput)
    .output(z.object({ status: z.literal('verification_sent') }))
    .mutation(({ ctx, input }) => register(ctx.deps, input, ctx.request)),
  resendCode: publicProcedure
    .input(ZResendCodeInput)
    .output(z.object({ status: z.literal('code_sent') }))
    .mutation(({ ctx, input }) => resendCode(ctx.deps, input, ctx.request)),
  verifyEmail: publicProcedure
    .input(ZVerifyEmailInput)
    .output(ZAuthResult)
    .mutation(async ({ ctx, input }) => withCookie(ctx, await verifyEmail(ctx.deps, input, ctx.request))),
  login: publicProcedure
    .input(ZLoginInput)
    .output(ZAuthResult)
    .mutation(async ({ ctx, input }) => withCookie(ctx, await login(ctx.deps, input, ctx.request))),
  /** A guest account with a session, no email or password needed. */
  guest: publicProcedure
    .input(z.object({ locale: z.enum(['en', 'zh']).optional() }).nullish())
    .output(ZAuthResult)
    .mutation(async ({ ctx, input }) => withCookie(ctx, await createGuest(ctx.deps, ctx.request, input?.locale))),
  /** Emails a code; `verifyEmail` with it turns the guest into a full account, same id. */
  upgradeGuest: authedProcedure
    .input(ZUpgradeGuestInput)
    .output(z.object({ status: z.literal('verification_sent') }))
    .mutation(({ ctx, input }) => upgradeGuest(ctx.deps, ctx.user.id, input, ctx.request)),
  me: authedProcedure
    .output(z.object({ user: ZPrivateUser, session: z.object({ id: z.string(), expiresAt: z.date() }) }))
    .query(async ({ ctx }) => ({ user: await getOwnUser(ctx.deps, ctx.user.id), session: { id: ctx.session.id, expiresAt: ctx.session.expiresAt } })),
  check: publicProcedure
    .output(z.object({ valid: z.boolean(), expiresAt: z.date().nullable() }))
    .query(({ ctx }) => ({ valid: ctx.session !== null, expiresAt: ctx.session?.expiresAt ?? null })),
  logout: authedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await revokeSession(ctx.deps, ctx.user.id, ctx.session.id);
    clearSessionCookie(ctx.res, ctx.deps.config.cookieSecure);
    return { ok: true as const };
  }),
  logoutAll: authedProcedure.output(z.object({ revoked: z.number() })).mutation(async ({ ctx }) => {
    clearSessionCookie(ctx.res, ctx.deps.config.cookieSecure);
    return { revoked: await revokeAllSessions(ctx.deps, ctx.user.id) };
  }),
  /** The current session, then nothing until it ends: revocation ends it with UNAUTHORIZED. */
  watchSession: authedProcedure.subscription(({ ctx, signal }) => watchSession(ctx.session, signal)),
  sessions: router({
    list: authedProcedure.output(z.array(ZSessionInfo)).query(({ ctx }) => listSessions(ctx.deps, ctx.user.id, ctx.session.id)),
    revoke: authedProcedure
      .input(ZRevokeSessionInput)
      .output(z.object({ ok: z.literal(true) }))
      .mutation(async ({ ctx, input }) => {
        await revokeSession(ctx.deps, ctx.user.id, input.sessionId);
        return { ok: true as const };
      }),
  }),
  requestPasswordReset: publicProcedure
    .input(ZRequestPasswordResetInput)
    .output(z.object({ status: z.literal('reset_requested') }))
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.deps, input.email, ctx.request)),
  resetPassword: publicProcedure
    .input(ZResetPasswordInput)
    .output(z.object({ status: z.literal('password_reset') }))
    .mutation(({ ctx, input }) => resetPassword(ctx.deps, input, ctx.request)),
});
