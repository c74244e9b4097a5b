import type { PlaybackState } from '@chorus/client';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { chorus } from '../../app/client';
import { expectedPosition, REPORT_EVERY_MS, SEEK_THRESHOLD_SEC } from './position';
import { measureClockOffset } from './sync';

/** How long a media element may take before it knows its length (a MediaRecorder WebM never says). */
export function durationOf(video: HTMLVideoElement): number {
  if (Number.isFinite(video.duration)) return video.duration;
  if (video.seekable.length > 0) return video.seekable.end(video.seekable.length - 1);
  return 0;
}

export interface SyncState {
  /** Our drift as the server last measured it (seconds, positive is ahead), null before a report. */
  driftSec: number | null;
  /** Autoplay with sound was refused, so the video plays muted until the user unmutes. */
  mutedByBrowser: boolean;
  unmute: () => void;
}

/**
 * Keeps `videoRef`'s player where the room's playback says it should be: rate, paused or
 * playing, and the position (the state's position at its server time plus rate × elapsed, on
 * the server's clock through the measured offset), seeking only past SEEK_THRESHOLD_SEC so
 * playback stays smooth. It reports the player's position every REPORT_EVERY_MS and applies the
 * correction the server answers.
 */
export function usePlaybackSync(roomId: number, videoRef: RefObject<HTMLVideoElement | null>, playback: PlaybackState | null, syncEnabled: boolean): SyncState {
  const offset = useRef(0);
  const playbackRef = useRef(playback);
  const [driftSec, setDriftSec] = useState<number | null>(null);
  const [mutedByBrowser, setMutedByBrowser] = useState(false);

  const apply = useCallback(() => {
    const video = videoRef.current;
    const state = playbackRef.current;
    if (!video || !state?.mediaUrl || !syncEnabled || video.readyState < HTMLMediaElement.HAVE_METADATA) return;
    let expected = expectedPosition(state, Date.now() + offset.current);
    const duration = durationOf(video);
    if (duration > 0) expected = Math.min(expected, duration);
    if (video.playbackRate !== state.rate) video.playbackRate = state.rate;
    if (Math.abs(video.currentTime - expected) > SEEK_THRESHOLD_SEC) video.currentTime = expected;
    if (state.paused && !video.paused) video.pause();
    if (!state.paused && video.paused && !video.ended) {
      video.play().catch((error: unknown) => {
        // Browsers refuse to start sound without a gesture; muted playback is always allowed.
        if (error instanceof DOMException && error.name === 'NotAllowedError' && !video.muted) {
          video.muted = true;
          setMutedByBrowser(true);
          void video.play().catch(() => {});
        }
      });
    }
  }, [videoRef, syncEnabled]);

  useEffect(() => {
    playbackRef.current = playback;
    apply();
  }, [playback, apply]);

  // The clock offset, once per room (re-measured with each report would be noise).
  useEffect(() => {
    let live = true;
    measureClockOffset()
      .then((value) => {
        if (!live) return;
        offset.current = value;
        apply();
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [roomId, apply]);

  // Apply again once the player can seek (metadata loaded) or has data to play.
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    video.addEventListener('loadedmetadata', apply);
    video.addEventListener('canplay', apply);
    return () => {
      video.removeEventListener('loadedmetadata', apply);
      video.removeEventListener('canplay', apply);
    };
  }, [videoRef, apply]);

  useEffect(() => {
    if (!syncEnabled) return;
    const timer = window.setInterval(() => {
      const video = videoRef.current;
      if (!video || !playbackRef.current?.mediaUrl || video.readyState < HTMLMediaElement.HAVE_METADATA) return;
      apply();
      chorus.rooms.playback.report
        .mutate({ roomId, positionSec: video.currentTime, paused: video.paused })
        .then((drift) => {
          setDriftSec(drift.driftSec);
          // The server's measure: move by the drift it saw (both positions moved on alike since).
          if (Math.abs(drift.driftSec) > SEEK_THRESHOLD_SEC && !video.seeking) video.currentTime = Math.max(0, video.currentTime - drift.driftSec);
        })
        .catch(() => {});
    }, REPORT_EVERY_MS);
    return () => window.clearInterval(timer);
  }, [roomId, videoRef, syncEnabled, apply]);

  const unmute = useCallback(() => {
    const video = videoRef.current;
    if (video) video.muted = false;
    setMutedByBrowser(false);
  }, [videoRef]);

  return { driftSec, mutedByBrowser, unmute };
}
