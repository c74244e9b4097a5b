import { codePurposes, userRoles } from '@chorus/db';
import { z } from 'zod';
import { zString, zText } from '../strings';

export const ZEmail = zString()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'Enter a valid email address' }));
/** 3–32 letters (any script, CJK included), digits or underscores. */
export const ZUsername = zString()
  .trim()
  .regex(/^[\p{L}\p{N}_]{3,32}$/u, '3–32 letters, digits or _');
/**
 * Repaired rather than refused: hashing always saw a lone surrogate as U+FFFD (UTF-8 encoding
 * replaces it), so a password set before this check still verifies.
 */
export const ZPassword = zText().min(8, 'At least 8 characters').max(128, 'At most 128 characters');
export const ZPhone = zString()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'Phone numbers use E.164, e.g. +8613800138000');
export const ZCode = zString()
  .trim()
  .regex(/^\d{6}$/, 'Codes have 6 digits');

export const ZRegisterInput = z.object({
  email: ZEmail,
  username: ZUsername,
  password: ZPassword,
  phone: ZPhone.optional(),
  locale: zString().max(16).optional(),
});
export type TRegisterInput = z.infer<typeof ZRegisterInput>;

export const ZResendCodeInput = z.object({ email: ZEmail, purpose: z.enum(codePurposes).exclude(['change_email']) });
export type TResendCodeInput = z.infer<typeof ZResendCodeInput>;

export const ZVerifyEmailInput = z.object({ email: ZEmail, code: ZCode });
export type TVerifyEmailInput = z.infer<typeof ZVerifyEmailInput>;

export const ZLoginInput = z.object({
  /** Email or username. */
  login: zString().trim().min(1).max(254),
  password: zText().min(1).max(128),
});
export type TLoginInput = z.infer<typeof ZLoginInput>;

export const ZRequestPasswordResetInput = z.object({ email: ZEmail });
export const ZResetPasswordInput = z.object({ email: ZEmail, code: ZCode, newPassword: ZPassword });
export type TResetPasswordInput = z.infer<typeof ZResetPasswordInput>;

export const ZRevokeSessionInput = z.object({ sessionId: zString().regex(/^[a-z2-7]{24}$/) });

export const ZUpgradeGuestInput = z.object({ email: ZEmail, username: ZUsername, password: ZPassword });
export type TUpgradeGuestInput = z.infer<typeof ZUpgradeGuestInput>;

/** What the owner of an account sees about it. Never the password hash. */
export const ZPrivateUser = z.object({
  id: z.number(),
  email: z.string().nullable(),
  username: z.string(),
  displayName: z.string(),
  phone: z.string().nullable(),
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  role: z.enum(userRoles),
  isGuest: z.boolean(),
  locale: z.string(),
  emailVerified: z.boolean(),
  createdAt: z.date(),
  /** Links in my messages get previews (`account.update({ linkPreviews })`). */
  linkPreviews: z.boolean(),
});
export type TPrivateUser = z.infer<typeof ZPrivateUser>;

export const ZAuthResult = z.object({ token: z.string(), expiresAt: z.date(), user: ZPrivateUser });
export type TAuthResult = z.infer<typeof ZAuthResult>;

export const ZSessionInfo = z.object({
  id: z.string(),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
export type TSessionInfo = z.infer<typeof ZSessionInfo>;
