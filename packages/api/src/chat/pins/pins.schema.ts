import { z } from 'zod';
import { ZId, ZMessage } from '../chat.schema';

/** Pins a conversation holds at most: a pinned list is a short list of what matters now. */
export const MAX_PINS = 50;
/** How far ahead `until` may be. */
export const MAX_PIN_MS = 365 * 24 * 3600 * 1000;

export const ZPinInput = z.object({
  messageId: ZId,
  /** When the pin removes itself; omitted: until unpinned. In the future, at most a year ahead. */
  until: z.date().optional(),
});
export type TPinInput = z.infer<typeof ZPinInput>;

export const ZPin = z.object({
  /** The message as `chat.history` shows it. */
  message: ZMessage,
  pinnedBy: z.number(),
  pinnedAt: z.date(),
  until: z.date().nullable(),
});
export type PinView = z.infer<typeof ZPin>;
