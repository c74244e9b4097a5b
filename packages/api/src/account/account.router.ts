import { z } from 'zod';
import { ZPrivateUser } from '../auth/auth.schema';
import { authedProcedure, router } from '../trpc';
import {
  ZChangeEmailInput,
  ZChangePasswordInput,
  ZConfirmEmailChangeInput,
  ZLoginHistoryInput,
  ZLoginHistoryPage,
  ZUpdateProfileInput,
} from './account.schema';
import { confirmEmailChange, requestEmailChange } from './email-change.service';
import { loginHistory } from './login-history.service';
import { changePassword } from './password-change.service';
import { setAvatar, updateProfile } from './profile.service';
import { zString } from '../strings';
import { settingsProcedures } from '../notifications/settings/settings.procedures';

export const accountRouter = router({
  update: authedProcedure
    .input(ZUpdateProfileInput)
    .output(ZPrivateUser)
    .mutation(({ ctx, input }) => updateProfile(ctx.deps, ctx.user.id, input)),
  /** An uploaded image (via tus at /files/) becomes the avatar, at /files/:id/avatar-64|128|256. */
  setAvatar: authedProcedure
    .input(z.object({ fileId: zString().regex(/^[\w-]{1,32}$/) }))
    .output(ZPrivateUser)
    .mutation(({ ctx, input }) => setAvatar(ctx.deps, ctx.user.id, input.fileId)),
  changeEmail: authedProcedure
    .input(ZChangeEmailInput)
    .output(z.object({ status: z.literal('code_sent') }))
    .mutation(({ ctx, input }) => requestEmailChange(ctx.deps, ctx.user.id, input.newEmail, ctx.request)),
  confirmEmailChange: authedProcedure
    .input(ZConfirmEmailChangeInput)
    .output(ZPrivateUser)
    .mutation(({ ctx, input }) => confirmEmailChange(ctx.deps, ctx.user.id, input.code, ctx.request)),
  changePassword: authedProcedure
    .input(ZChangePasswordInput)
    .output(z.object({ revokedSessions: z.number() }))
    .mutation(({ ctx, input }) => changePassword(ctx.deps, { userId: ctx.user.id, sessionId: ctx.session.id }, input)),
  loginHistory: authedProcedure
    .input(ZLoginHistoryInput)
    .output(ZLoginHistoryPage)
    .query(({ ctx, input }) => loginHistory(ctx.deps, ctx.user.id, input)),
  ...settingsProcedures,
});
