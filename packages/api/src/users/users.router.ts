import { z } from 'zod';
import { authedProcedure, router } from '../trpc';
import { ZGetUserInput, ZPublicUser, ZSearchUsersInput } from './users.schema';
import { getPublicUser, searchUsers } from './users.service';

export const usersRouter = router({
  get: authedProcedure
    .input(ZGetUserInput)
    .output(ZPublicUser)
    .query(({ ctx, input }) => getPublicUser(ctx.deps, input.userId)),
  search: authedProcedure
    .input(ZSearchUsersInput)
    .output(z.array(ZPublicUser))
    .query(({ ctx, input }) => searchUsers(ctx.deps, input)),
});
