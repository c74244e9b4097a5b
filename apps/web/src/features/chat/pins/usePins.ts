import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '../../../app/client';
import type { Detail } from '../types';

/** What a message row needs to show and change its pin. */
export interface PinControls {
  pinnedIds: ReadonlySet<number>;
  /** Whether the caller may pin here: both people of a direct chat, a group's owner and admins. */
  canPin: boolean;
  toggle: (messageId: number, pin: boolean) => void;
}

/**
 * The conversation's pins (kept current by `message.pinned` / `message.unpinned` events, see
 * useChatEvents) and the pin and unpin actions.
 */
export function usePins(conversationId: number, detail: Detail | undefined) {
  const trpc = useTRPC();
  const list = useQuery(trpc.chat.pins.queryOptions({ conversationId }));
  const pin = useMutation(trpc.chat.pin.mutationOptions());
  const unpin = useMutation(trpc.chat.unpin.mutationOptions());
  const pins = useMemo(() => list.data ?? [], [list.data]);
  const pinnedIds = useMemo(() => new Set(pins.map((entry) => entry.message.id)), [pins]);
  const canPin = detail ? detail.kind === 'direct' || detail.myRole !== 'member' : false;
  const controls: PinControls = {
    pinnedIds,
    canPin,
    toggle: (messageId, add) => (add ? pin.mutate({ messageId }) : unpin.mutate({ messageId })),
  };
  return { pins, controls, error: pin.error ?? unpin.error };
}
