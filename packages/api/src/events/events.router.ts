import { z } from 'zod';
import { presenceSnapshot } from '../presence/presence.service';
import { directFramesFor } from '@chorus/transport';
import { authedProcedure, router } from '../trpc';
import { zString } from '../strings';

export const eventsRouter = router({
  /**
   * Everything the user must see live, as one typed stream. A new subscription starts with a
   * presence snapshot; a resumed one (the client resumes by itself with its last event id)
   * first gets what it missed, then the snapshot.
   * The connection counts towards the user's presence while it lasts.
   */
  subscribe: authedProcedure.input(z.object({ lastEventId: zString().max(40).nullish() }).optional()).subscription(({ ctx, input, signal }) =>
    // The stream itself, not a generator wrapping it (which would hold its last item while it waits).
    ctx.deps.realtime.subscribe(ctx.user.id, {
      lastEventId: input?.lastEventId,
      signal,
      snapshot: () => presenceSnapshot(ctx.deps, ctx.user.id),
      direct: directFramesFor(ctx, signal),
      hold: () => ctx.deps.realtime.presence.connect(ctx.user.id),
    }),
  ),
});
