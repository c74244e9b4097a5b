import { z } from 'zod';
import { authedProcedure, router } from '../trpc';
import { ZPresence, ZPresenceStatus } from './presence.schema';
import { getPresence } from './presence.service';

export const presenceRouter = router({
  get: authedProcedure
    .input(z.object({ userIds: z.array(z.number().int().positive()).max(500) }))
    .output(z.array(ZPresence))
    .query(({ ctx, input }) => getPresence(ctx.deps, ctx.user.id, input.userIds)),
  /** Away (idle) or back online; offline follows from connections, not from this. */
  set: authedProcedure
    .input(z.object({ status: ZPresenceStatus.exclude(['offline']) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.realtime.presence.setAway(ctx.user.id, input.status === 'away');
      return { ok: true as const };
    }),
});
