import { z } from 'zod';

export const ZPingOutput = z.object({
  time: z.date(),
  requestId: z.string(),
});
export type TPingOutput = z.infer<typeof ZPingOutput>;

export const ZClockInput = z
  .object({
    /** Milliseconds between ticks. */
    intervalMs: z.number().int().min(100).max(60_000).default(1000),
  })
  .default({ intervalMs: 1000 });
export type TClockInput = z.infer<typeof ZClockInput>;

export interface TClockTick {
  time: Date;
}
