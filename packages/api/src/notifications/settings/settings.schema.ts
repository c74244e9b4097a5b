import { notificationLevels, pushPrivacies } from '@chorus/db';
import { z } from 'zod';
import { zString } from '../../strings';

export const ZNotificationLevel = z.enum(notificationLevels);
export const ZMemberNotifyLevel = z.enum(['default', ...notificationLevels]);
export const ZPushPrivacy = z.enum(pushPrivacies);

/** `HH:MM` on a 24-hour clock, 00:00–23:59. */
export const ZClockTime = zString().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM (00:00–23:59)');

/** Do-not-disturb hours in the user's time zone; `end` before `start` wraps past midnight. */
export const ZDoNotDisturb = z
  .object({ start: ZClockTime, end: ZClockTime })
  .refine((hours) => hours.start !== hours.end, { message: 'Start and end must differ', path: ['end'] });

export const ZNotificationSettings = z.object({
  /** Default level of direct chats, groups and rooms (a conversation's own level wins). */
  directLevel: ZNotificationLevel,
  groupLevel: ZNotificationLevel,
  roomLevel: ZNotificationLevel,
  /** null: off. */
  doNotDisturb: z.object({ start: z.string(), end: z.string() }).nullable(),
  /** IANA name, e.g. `Asia/Shanghai`; the do-not-disturb hours are local to it. */
  timeZone: z.string(),
  /** What a push shows: the text, only the sender, or only "new message". */
  pushPrivacy: ZPushPrivacy,
  /** A mail summing up unread direct messages and mentions while away. */
  digestEnabled: z.boolean(),
});
export type TNotificationSettings = z.infer<typeof ZNotificationSettings>;

export const ZUpdateNotificationSettingsInput = z
  .object({
    directLevel: ZNotificationLevel.optional(),
    groupLevel: ZNotificationLevel.optional(),
    roomLevel: ZNotificationLevel.optional(),
    doNotDisturb: ZDoNotDisturb.nullable().optional(),
    // Checked against the runtime's zone database in the service (BAD_INPUT when unknown).
    timeZone: zString().trim().min(1).max(64).optional(),
    pushPrivacy: ZPushPrivacy.optional(),
    digestEnabled: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'Change at least one field');
export type TUpdateNotificationSettingsInput = z.infer<typeof ZUpdateNotificationSettingsInput>;

export const ZSetNotificationLevelInput = z.object({
  conversationId: z.number().int().positive(),
  /** `default`: follow the account's level for this kind of conversation. */
  level: ZMemberNotifyLevel,
  /** Muted (no push, no badge) until then; null: not muted; left out: unchanged. */
  mutedUntil: z.date().nullable().optional(),
});
export type TSetNotificationLevelInput = z.infer<typeof ZSetNotificationLevelInput>;

export const ZMemberNotificationSettings = z.object({
  conversationId: z.number(),
  level: ZMemberNotifyLevel,
  /** The level in force: the conversation's own, else the account's for its kind. */
  effectiveLevel: ZNotificationLevel,
  mutedUntil: z.date().nullable(),
  /** Muted now (mutedUntil in the future). */
  muted: z.boolean(),
});
export type TMemberNotificationSettings = z.infer<typeof ZMemberNotificationSettings>;
