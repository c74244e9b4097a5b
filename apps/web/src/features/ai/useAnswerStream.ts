import type { AiStreamEvent } from '@chorus/client';
import { useEffect, useEffectEvent, useState } from 'react';
import { chorus } from '../../app/client';

type FailureCode = Extract<AiStreamEvent, { type: 'error' }>['code'];

export interface LiveAnswer {
  text: string;
  phase: 'streaming' | 'complete' | 'stopped' | 'failed';
  /** Why it failed: the provider's failure, or 'lost' when the stream itself broke. */
  error: FailureCode | 'lost' | null;
}

/**
 * Follows one answer as it is generated: the text so far arrives as a first delta, then new
 * text only. After a dropped socket the client resubscribes with the last event id it saw, so
 * nothing repeats; event ids are checked here too. `onEnd` runs once the answer has ended.
 */
export function useAnswerStream(assistantMessageId: number | null, onEnd: () => void): LiveAnswer | null {
  const [live, setLive] = useState<(LiveAnswer & { id: number }) | null>(null);
  const ended = useEffectEvent(onEnd);
  useEffect(() => {
    if (assistantMessageId === null) return;
    const id = assistantMessageId;
    let lastSeq = 0;
    let text = '';
    const subscription = chorus.ai.chat.stream.subscribe(
      { assistantMessageId: id },
      {
        onData: ({ id: eventId, data }) => {
          const seq = Number(eventId);
          if (seq <= lastSeq) return;
          lastSeq = seq;
          if (data.type === 'delta') {
            text += data.text;
            setLive({ id, text, phase: 'streaming', error: null });
            return;
          }
          if (data.type === 'done') setLive({ id, text: data.text, phase: data.finishReason === 'stopped' ? 'stopped' : 'complete', error: null });
          else setLive({ id, text: data.text, phase: 'failed', error: data.code });
          ended();
        },
        onError: () => {
          setLive({ id, text, phase: 'failed', error: 'lost' });
          ended();
        },
      },
    );
    return () => subscription.unsubscribe();
  }, [assistantMessageId]);
  return live && live.id === assistantMessageId ? live : null;
}
