import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc';
import { ZDeviceView, ZRegisterDeviceInput } from './devices.schema';
import { listDevices, registerDevice, unregisterDevice, vapidPublicKey } from './devices.service';

export const pushRouter = router({
  registerDevice: authedProcedure
    .input(ZRegisterDeviceInput)
    .output(z.object({ deviceId: z.number() }))
    .mutation(({ ctx, input }) => registerDevice(ctx.deps, { userId: ctx.user.id, sessionId: ctx.session.id }, input)),
  devices: authedProcedure.output(z.array(ZDeviceView)).query(({ ctx }) => listDevices(ctx.deps, { userId: ctx.user.id, sessionId: ctx.session.id })),
  unregisterDevice: authedProcedure
    .input(z.object({ deviceId: z.number().int().positive() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await unregisterDevice(ctx.deps, { userId: ctx.user.id, sessionId: ctx.session.id }, input.deviceId);
      return { ok: true as const };
    }),
  vapidPublicKey: publicProcedure.output(z.object({ publicKey: z.string() })).query(({ ctx }) => vapidPublicKey(ctx.deps)),
});
