import { z } from 'zod';
import { ZCode, ZEmail, ZPassword, ZUsername } from '../auth/auth.schema';
import { zString, zText } from '../strings';

/** Absolute http(s) URLs only: a profile link must never be `javascript:` or `data:`. */
export const ZHttpUrl = zString()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, message: 'Use an http(s) URL' }));

export const ZDisplayName = zString().trim().min(1, 'Enter a display name').max(64, 'At most 64 characters');

export const ZUpdateProfileInput = z
  .object({
    username: ZUsername.optional(),
    displayName: ZDisplayName.optional(),
    bio: zText().trim().max(500, 'At most 500 characters').optional(),
    /** null removes the avatar. */
    avatarUrl: ZHttpUrl.nullable().optional(),
    locale: z.enum(['en', 'zh']).optional(),
    /** false: links in my messages get no previews. */
    linkPreviews: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'Change at least one field');
export type TUpdateProfileInput = z.infer<typeof ZUpdateProfileInput>;

export const ZChangeEmailInput = z.object({ newEmail: ZEmail });
export const ZConfirmEmailChangeInput = z.object({ code: ZCode });
export const ZChangePasswordInput = z.object({ currentPassword: zText().min(1).max(128), newPassword: ZPassword });
export type TChangePasswordInput = z.infer<typeof ZChangePasswordInput>;

export const ZLoginHistoryInput = z
  .object({
    /** `nextCursor` of the previous page. */
    cursor: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });
export type TLoginHistoryInput = z.infer<typeof ZLoginHistoryInput>;

export const ZLoginHistoryEntry = z.object({
  id: z.number(),
  success: z.boolean(),
  reason: z.string(),
  method: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.date(),
});
export const ZLoginHistoryPage = z.object({ items: z.array(ZLoginHistoryEntry), nextCursor: z.number().nullable() });
export type TLoginHistoryPage = z.infer<typeof ZLoginHistoryPage>;
