import { z } from 'zod';
import { authedProcedure } from '../../trpc';
import { ZConversationRef, ZMessageRef } from '../chat.schema';
import { ZPin, ZPinInput } from './pins.schema';
import { listPins, pinMessage, unpinMessage } from './pins.service';

/** Pinned messages: spread into the chat router. */
export const pinProcedures = {
  pin: authedProcedure
    .input(ZPinInput)
    .output(ZPin)
    .mutation(({ ctx, input }) => pinMessage(ctx.deps, ctx.user.id, input)),
  unpin: authedProcedure
    .input(ZMessageRef)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => unpinMessage(ctx.deps, ctx.user.id, input.messageId)),
  pins: authedProcedure
    .input(ZConversationRef)
    .output(z.array(ZPin))
    .query(({ ctx, input }) => listPins(ctx.deps, ctx.user.id, input.conversationId)),
};
