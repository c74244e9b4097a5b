import { authedProcedure } from '../trpc';
import { searchMessages } from './chat-search.service';
import { ZChatSearchInput, ZChatSearchPage } from './search.schema';

/** The chat router's search procedures (spread into it). */
export const chatSearchProcedures = {
  search: authedProcedure
    .input(ZChatSearchInput)
    .output(ZChatSearchPage)
    .query(({ ctx, input }) => searchMessages(ctx.deps, ctx.user.id, input)),
};
