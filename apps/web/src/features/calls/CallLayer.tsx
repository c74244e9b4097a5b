import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useChorusEvents } from '../../app/events';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { acceptCall, callStore, declineCall, dismiss, hangUp, onChorusEvent, toggleCamera, toggleMute, type CallState } from './controller';
import { callMessages } from './messages';

/** How long an ended call's outcome stays on screen. */
const ENDED_SHOWN_MS = 4000;

export function useCall(): CallState | null {
  return useSyncExternalStore(callStore.subscribe, callStore.get);
}

/** Incoming and active calls, above every screen. It feeds the app's call events to the call. */
export function CallLayer() {
  useChorusEvents(onChorusEvent);
  const call = useCall();
  if (!call) return null;
  if (call.phase === 'incoming') return <IncomingCall call={call} />;
  return <CallPanel call={call} />;
}

function IncomingCall({ call }: { call: CallState }) {
  const t = useT(callMessages);
  const errorText = useErrorText();
  const [error, setError] = useState<unknown>(null);
  const act = (action: () => Promise<void>) => action().catch(setError);
  return (
    <div className="call-incoming" role="dialog" aria-labelledby="call-incoming-title" aria-describedby="call-incoming-who">
      <h2 id="call-incoming-title">{t('incomingTitle')}</h2>
      <p id="call-incoming-who">{t(call.call.media === 'video' ? 'incomingVideo' : 'incomingVoice', { name: call.peer.name })}</p>
      <div className="call-actions">
        <button type="button" className="primary" autoFocus onClick={() => void act(acceptCall)}>
          {t('accept')}
        </button>
        <button type="button" className="danger" onClick={() => void act(declineCall)}>
          {t('decline')}
        </button>
      </div>
      <Alert>{error ? errorText(error) : null}</Alert>
    </div>
  );
}

function CallPanel({ call }: { call: CallState }) {
  const t = useT(callMessages);
  const errorText = useErrorText();
  const [error, setError] = useState<unknown>(null);
  const ended = call.phase === 'ended';
  useEffect(() => {
    if (!ended) return;
    const timer = window.setTimeout(dismiss, ENDED_SHOWN_MS);
    return () => window.clearTimeout(timer);
  }, [ended]);

  const status = ended
    ? t(`ended_${call.call.outcome ?? 'completed'}`)
    : call.phase === 'ringing'
      ? t('ringing')
      : call.phase === 'connected'
        ? t('connected')
        : call.phase === 'reconnecting'
          ? t('reconnecting')
          : t('connecting');
  const video = call.call.media === 'video';

  return (
    <section className="call-panel" aria-label={t('callWith', { name: call.peer.name })} data-connection-state={call.connectionState} data-phase={call.phase}>
      <h2>{call.peer.name}</h2>
      <p role="status" className="call-status">
        {status}
      </p>
      {!ended ? (
        <div className={video ? 'call-videos' : 'call-videos call-audio-only'}>
          <StreamVideo stream={call.remote} label={t('remoteVideo')} className="call-remote" />
          {video ? <StreamVideo stream={call.local} label={t('localVideo')} className="call-local" muted /> : null}
        </div>
      ) : null}
      {call.noMedia && !ended ? <Alert kind="info">{t('noMedia')}</Alert> : null}
      <Alert>{error ? errorText(error) : null}</Alert>
      <div className="call-actions">
        {ended ? (
          <button type="button" onClick={dismiss}>
            {t('close')}
          </button>
        ) : (
          <>
            <button type="button" aria-pressed={call.muted} disabled={!call.local} onClick={toggleMute}>
              {t('mute')}
            </button>
            {video ? (
              <button type="button" aria-pressed={call.cameraOff} disabled={!call.local} onClick={toggleCamera}>
                {t('cameraOff')}
              </button>
            ) : null}
            <button type="button" className="danger" onClick={() => void hangUp().catch(setError)}>
              {t('hangUp')}
            </button>
          </>
        )}
      </div>
    </section>
  );
}

function StreamVideo({ stream, label, className, muted = false }: { stream: MediaStream | null; label: string; className: string; muted?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} className={className} aria-label={label} autoPlay playsInline muted={muted} />;
}
