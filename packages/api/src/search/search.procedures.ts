import { authedProcedure } from '../trpc';
import { searchMessages } from './chat-search.service';
import { searchAiConversations } from './ai-search.service';
import { ZAiSearchInput, ZAiSearchPage, ZChatSearchInput, ZChatSearchPage } from './search.schema';

/** The chat router's search procedure (spread into it). */
export const chatSearchProcedures = {
  search: authedProcedure
    .input(ZChatSearchInput)
    .output(ZChatSearchPage)
    .query(({ ctx, input }) => searchMessages(ctx.deps, ctx.user.id, input)),
};

/** The AI conversations router's search procedure (spread into it). */
export const aiSearchProcedures = {
  search: authedProcedure
    .input(ZAiSearchInput)
    .output(ZAiSearchPage)
    .query(({ ctx, input }) => searchAiConversations(ctx.deps, ctx.user.id, input)),
};
