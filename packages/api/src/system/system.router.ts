import { publicProcedure, router } from '../trpc';
import { ZClockInput, ZPingOutput } from './system.schema';
import { clockTicks, ping } from './system.service';

export const systemRouter = router({
  /** Server time and this call's request id; a cheap liveness and cache check. */
  ping: publicProcedure.output(ZPingOutput).query(({ ctx }) => ping(ctx.deps, ctx.requestId)),

  /** Server time every `intervalMs` (default 1 s) over the WebSocket. */
  clock: publicProcedure.input(ZClockInput).subscription(({ ctx, input, signal }) => clockTicks(ctx.deps, input, signal)),
});
