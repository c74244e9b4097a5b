import { adminProcedure, router } from '../trpc';
import { ZAdminListUsersInput, ZAdminUser, ZAdminUserPage, ZBanInput, ZUnbanInput } from './admin.schema';
import { banUser, listUsers, unbanUser } from './admin-users.service';

export const adminRouter = router({
  users: router({
    list: adminProcedure
      .input(ZAdminListUsersInput)
      .output(ZAdminUserPage)
      .query(({ ctx, input }) => listUsers(ctx.deps, input)),
    ban: adminProcedure
      .input(ZBanInput)
      .output(ZAdminUser)
      .mutation(({ ctx, input }) => banUser(ctx.deps, ctx.user.id, input)),
    unban: adminProcedure
      .input(ZUnbanInput)
      .output(ZAdminUser)
      .mutation(({ ctx, input }) => unbanUser(ctx.deps, input)),
  }),
});
