import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { useCall } from './CallLayer';
import { startCall } from './controller';
import { callMessages } from './messages';

/** "Voice call" and "Video call" for a conversation's header: rings `userId` (a friend). */
export function CallButtons({ userId }: { userId: number }) {
  const t = useT(callMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const call = useCall();
  const user = useQuery(trpc.users.get.queryOptions({ userId }, { staleTime: 5 * 60_000 }));
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const busy = starting || (call !== null && call.phase !== 'ended');

  const start = (media: 'audio' | 'video') => {
    setStarting(true);
    setError(null);
    startCall({ id: userId, name: user.data?.displayName ?? `#${userId}` }, media)
      .catch(setError)
      .finally(() => setStarting(false));
  };

  return (
    <span className="call-buttons">
      <button type="button" disabled={busy} onClick={() => start('audio')}>
        {t('voiceCall')}
      </button>
      <button type="button" disabled={busy} onClick={() => start('video')}>
        {t('videoCall')}
      </button>
      <Alert>{error ? errorText(error) : null}</Alert>
    </span>
  );
}
