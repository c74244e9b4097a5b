import type { PlaybackState } from '@chorus/client';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTRPC } from '../../app/client';
import { useT } from '../../i18n/i18n';
import { Alert } from '../../ui/Alert';
import { useErrorText } from '../../ui/errors';
import { roomMessages } from './messages';
import { formatTime } from './position';
import { durationOf, usePlaybackSync } from './usePlaybackSync';
import { VideoUpload } from './VideoUpload';

const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2];
/** Seeks wait for the slider to rest this long, so dragging sends one seek, not dozens. */
const SEEK_DEBOUNCE_MS = 250;

interface Props {
  roomId: number;
  playback: PlaybackState | null;
  syncEnabled: boolean;
  canControl: boolean;
  /** Members the latest drift summary found out of sync. */
  outOfSync: number;
}

/** The room's video, kept in sync with the room; its controls drive the room for those who may. */
export function RoomPlayer({ roomId, playback: fromRoom, syncEnabled, canControl, outOfSync }: Props) {
  const t = useT(roomMessages);
  const trpc = useTRPC();
  const errorText = useErrorText();
  const videoRef = useRef<HTMLVideoElement>(null);
  // Our own change answers with the new state before its event arrives: use whichever is newer.
  const [mine, setMine] = useState<PlaybackState | null>(null);
  const playback = mine && fromRoom && mine.updatedAt > fromRoom.updatedAt ? mine : (fromRoom ?? mine);
  const sync = usePlaybackSync(roomId, videoRef, playback, syncEnabled);
  const control = useMutation(trpc.rooms.playback.control.mutationOptions({ onSuccess: setMine }));
  const [time, setTime] = useState({ current: 0, duration: 0 });
  const [scrub, setScrub] = useState<number | null>(null);
  const seekTimer = useRef<number | undefined>(undefined);

  useEffect(() => () => window.clearTimeout(seekTimer.current), []);

  const onTime = () => {
    const video = videoRef.current;
    if (video) setTime({ current: video.currentTime, duration: durationOf(video) });
  };
  const position = () => videoRef.current?.currentTime ?? 0;
  const seekTo = (seconds: number) => {
    setScrub(seconds);
    window.clearTimeout(seekTimer.current);
    seekTimer.current = window.setTimeout(() => {
      control.mutate({ roomId, action: 'seek', positionSec: seconds }, { onSettled: () => setScrub(null) });
    }, SEEK_DEBOUNCE_MS);
  };

  const mediaUrl = playback?.mediaUrl ?? null;
  const controlsOn = canControl && syncEnabled && mediaUrl !== null;
  const paused = playback?.paused ?? true;
  const driftLabel = sync.driftSec === null ? null : Math.abs(sync.driftSec) <= 1 ? t('inSync') : t('drift', { seconds: sync.driftSec.toFixed(1) });

  return (
    <section className="room-player" aria-labelledby="room-player-title">
      <h2 id="room-player-title" className="visually-hidden">
        {t('playerTitle')}
      </h2>
      {/* Always mounted, so the sync hook's listeners stay on one element when media is set later. */}
      <video
        ref={videoRef}
        src={mediaUrl ?? undefined}
        hidden={!mediaUrl}
        aria-label={t('video')}
        preload="auto"
        playsInline
        controls={!syncEnabled}
        onTimeUpdate={onTime}
        onLoadedMetadata={onTime}
        onDurationChange={onTime}
      />
      {mediaUrl ? null : <p className="room-empty">{canControl ? t('noMediaControl') : t('noMedia')}</p>}
      {!syncEnabled ? <p className="hint">{t('syncOff')}</p> : null}
      {mediaUrl && syncEnabled ? (
        <div className="player-controls">
          {paused ? (
            <button
              type="button"
              className="primary"
              disabled={!controlsOn || control.isPending}
              onClick={() => control.mutate({ roomId, action: 'play', positionSec: position() })}
            >
              {t('play')}
            </button>
          ) : (
            <button
              type="button"
              disabled={!controlsOn || control.isPending}
              onClick={() => control.mutate({ roomId, action: 'pause', positionSec: position() })}
            >
              {t('pause')}
            </button>
          )}
          <label className="player-position">
            <span>{t('position')}</span>
            <input
              type="range"
              min={0}
              max={Math.max(time.duration, scrub ?? 0, 0.1)}
              step={0.1}
              value={scrub ?? time.current}
              disabled={!controlsOn}
              onChange={(event) => seekTo(Number(event.target.value))}
            />
          </label>
          <span className="player-time" aria-hidden="true">
            {formatTime(scrub ?? time.current)} / {formatTime(time.duration)}
          </span>
          <label className="player-rate">
            <span>{t('speed')}</span>
            <select
              value={playback?.rate ?? 1}
              disabled={!controlsOn}
              onChange={(event) => control.mutate({ roomId, action: 'set_rate', rate: Number(event.target.value) })}
            >
              {RATES.map((rate) => (
                <option key={rate} value={rate}>
                  {rate}×
                </option>
              ))}
            </select>
          </label>
          {sync.mutedByBrowser ? (
            <button type="button" onClick={sync.unmute} title={t('mutedHint')}>
              {t('unmute')}
            </button>
          ) : null}
          {driftLabel ? <span className="player-drift">{driftLabel}</span> : null}
          {canControl && outOfSync > 0 ? <span className="player-drift">{t('outOfSync', { count: outOfSync })}</span> : null}
          <button type="button" onClick={() => void videoRef.current?.requestFullscreen().catch(() => {})}>
            {t('fullscreen')}
          </button>
        </div>
      ) : null}
      {mediaUrl && syncEnabled && !canControl ? <p className="hint">{t('viewOnly')}</p> : null}
      <Alert>{control.error ? errorText(control.error) : null}</Alert>
      {canControl && syncEnabled ? <VideoUpload roomId={roomId} onSet={setMine} /> : null}
    </section>
  );
}
