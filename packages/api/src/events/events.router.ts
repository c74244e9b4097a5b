import { z } from 'zod';
import { presenceSnapshot } from '../presence/presence.service';
import { authedProcedure, router } from '../trpc';

export const eventsRouter = router({
  /**
   * Everything the user must see live, as one typed stream. The first event is a presence
   * snapshot; resume with the last event id after a reconnect (the client does it itself).
   * The connection counts towards the user's presence while it lasts.
   */
  subscribe: authedProcedure
    .input(z.object({ lastEventId: z.string().max(40).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const release = await ctx.deps.realtime.presence.connect(ctx.user.id);
      try {
        yield* ctx.deps.realtime.subscribe(ctx.user.id, input?.lastEventId, signal, () => presenceSnapshot(ctx.deps, ctx.user.id));
      } finally {
        await release();
      }
    }),
});
