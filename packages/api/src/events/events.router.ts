import { z } from 'zod';
import { presenceSnapshot } from '../presence/presence.service';
import { directFramesFor } from '../realtime/direct-frames';
import { authedProcedure, router } from '../trpc';

export const eventsRouter = router({
  /**
   * Everything the user must see live, as one typed stream. A new subscription starts with a
   * presence snapshot; a resumed one (the client resumes by itself with its last event id)
   * first gets what it missed, then the snapshot.
   * The connection counts towards the user's presence while it lasts.
   */
  subscribe: authedProcedure
    .input(z.object({ lastEventId: z.string().max(40).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const release = await ctx.deps.realtime.presence.connect(ctx.user.id);
      try {
        yield* ctx.deps.realtime.subscribe(ctx.user.id, input?.lastEventId, signal, () => presenceSnapshot(ctx.deps, ctx.user.id), directFramesFor(ctx, signal));
      } finally {
        await release();
      }
    }),
});
