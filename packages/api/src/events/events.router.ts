import { z } from 'zod';
import { presenceSnapshot } from '../presence/presence.service';
import { directFramesFor } from '@chorus/transport';
import { authedProcedure, router } from '../trpc';
import { zString } from '../strings';
import { admitResumption } from './catch-up-gate';

export const eventsRouter = router({
  /**
   * Everything the user must see live, as one typed stream. A new subscription starts with a
   * presence snapshot; a resumed one (the client resumes by itself with its last event id)
   * first gets what it missed, then the snapshot.
   * The connection counts towards the user's presence while it lasts.
   */
  subscribe: authedProcedure.input(z.object({ lastEventId: zString().max(40).nullish() }).optional()).subscription(async ({ ctx, input, signal }) => {
    // A resumption waits for a catch-up slot (catch-up-gate.ts); the snapshot follows the
    // catch-up, so asking for it frees the slot.
    const slot = input?.lastEventId ? await admitResumption(ctx, signal) : null;
    // The stream itself, not a generator wrapping it (which would hold its last item while it waits).
    return ctx.deps.realtime.subscribe(ctx.user.id, {
      lastEventId: input?.lastEventId,
      signal,
      // Methods, not arrow properties: a named closure costs more on every idle subscription.
      snapshot() {
        slot?.release();
        return presenceSnapshot(ctx.deps, ctx.user.id);
      },
      direct: directFramesFor(ctx, signal),
      async hold() {
        const leave = await ctx.deps.realtime.presence.connect(ctx.user.id);
        // However the stream ends (an error in the catch-up included), its slot is freed.
        return async () => {
          slot?.release();
          await leave();
        };
      },
    });
  }),
});
