import { useCallback, useEffect, useRef, useState } from 'react';
import { useTRPCClient } from '../../app/client';
import { useChorusEvents } from '../../app/events';

const TYPING_EVERY_MS = 3000;

/** Who else is typing in the conversation now (user ids), from live `typing` events until they expire. */
export function useTypingUsers(conversationId: number, meId: number): number[] {
  const [typing, setTyping] = useState<ReadonlyMap<number, number>>(new Map());
  useChorusEvents((event) => {
    if (event.type === 'typing' && event.conversationId === conversationId && event.userId !== meId) {
      // The server's clock may differ from ours: trust its duration only when it looks sane.
      const left = event.expiresAt.getTime() - Date.now();
      setTyping((current) => new Map(current).set(event.userId, Date.now() + (left > 0 && left <= 10_000 ? left : 5000)));
    }
    // A sent message ends that person's typing.
    if (event.type === 'message.created' && event.conversationId === conversationId && typing.has(event.message.senderId)) {
      setTyping((current) => {
        const next = new Map(current);
        next.delete(event.message.senderId);
        return next;
      });
    }
  });
  useEffect(() => {
    if (typing.size === 0) return;
    const soonest = Math.min(...typing.values());
    const timer = window.setTimeout(
      () => setTyping((current) => new Map([...current].filter(([, expiresAt]) => expiresAt > Date.now()))),
      Math.max(0, soonest - Date.now()) + 50,
    );
    return () => window.clearTimeout(timer);
  }, [typing]);
  return [...typing.keys()];
}

/**
 * Tells the others "typing" while the user types, at most every 3 s (the server holds it 5 s).
 * `sent()` after a message: sending ends the typing state, so the next keystroke says it again.
 */
export function useTypingNotice(conversationId: number): { typing: () => void; sent: () => void } {
  const client = useTRPCClient();
  const last = useRef(0);
  useEffect(() => {
    last.current = 0;
  }, [conversationId]);
  const typing = useCallback(() => {
    const now = Date.now();
    if (now - last.current < TYPING_EVERY_MS) return;
    last.current = now;
    // Best effort: a lost typing notice is not worth an error on screen.
    client.chat.typing.mutate({ conversationId }).catch(() => {});
  }, [client, conversationId]);
  const sent = useCallback(() => {
    last.current = 0;
  }, []);
  return { typing, sent };
}
