import { authedProcedure } from '../../trpc';
import { setNotificationLevel } from './member-level.service';
import { ZMemberNotificationSettings, ZSetNotificationLevelInput } from './settings.schema';

/** Spread into the chat router: `chat.setNotificationLevel`. */
export const memberLevelProcedures = {
  setNotificationLevel: authedProcedure
    .input(ZSetNotificationLevelInput)
    .output(ZMemberNotificationSettings)
    .mutation(({ ctx, input }) => setNotificationLevel(ctx.deps, ctx.user.id, input)),
};
