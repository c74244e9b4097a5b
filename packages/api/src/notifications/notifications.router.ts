import { z } from 'zod';
import { authedProcedure, router } from '../trpc';
import { ZListNotificationsInput, ZMarkNotificationsReadInput, ZNotificationPage } from './notifications.schema';
import { clearNotifications, deleteNotification, listNotifications, markNotificationsRead, unreadCount } from './notifications.service';

export const notificationsRouter = router({
  list: authedProcedure
    .input(ZListNotificationsInput)
    .output(ZNotificationPage)
    .query(({ ctx, input }) => listNotifications(ctx.deps, ctx.user.id, input)),
  unreadCount: authedProcedure.output(z.object({ count: z.number() })).query(({ ctx }) => unreadCount(ctx.deps, ctx.user.id)),
  markRead: authedProcedure
    .input(ZMarkNotificationsReadInput)
    .output(z.object({ updated: z.number() }))
    .mutation(({ ctx, input }) => markNotificationsRead(ctx.deps, ctx.user.id, input)),
  delete: authedProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteNotification(ctx.deps, ctx.user.id, input.id)),
  clear: authedProcedure.output(z.object({ deleted: z.number() })).mutation(({ ctx }) => clearNotifications(ctx.deps, ctx.user.id)),
});
