import { authedProcedure } from '../../trpc';
import { ZNotificationSettings, ZUpdateNotificationSettingsInput } from './settings.schema';
import { getNotificationSettings, updateNotificationSettings } from './settings.service';

/** Spread into the account router: `account.notificationSettings`, `account.updateNotificationSettings`. */
export const settingsProcedures = {
  notificationSettings: authedProcedure.output(ZNotificationSettings).query(({ ctx }) => getNotificationSettings(ctx.deps, ctx.user.id)),
  updateNotificationSettings: authedProcedure
    .input(ZUpdateNotificationSettingsInput)
    .output(ZNotificationSettings)
    .mutation(({ ctx, input }) => updateNotificationSettings(ctx.deps, ctx.user.id, input)),
};
