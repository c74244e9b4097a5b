import type { PlaybackState } from '@chorus/client';

/** A player further than this from the room's position seeks to it (the server calls ≤ 1 s in sync). */
export const SEEK_THRESHOLD_SEC = 0.5;
/** How often a member tells the server where its player is. */
export const REPORT_EVERY_MS = 2000;

/** Where the room's playback is at `serverNow` (ms): it advances by `rate` per second while playing. */
export function expectedPosition(playback: Pick<PlaybackState, 'paused' | 'positionSec' | 'rate' | 'updatedAt'>, serverNow: number): number {
  if (playback.paused) return playback.positionSec;
  return playback.positionSec + (Math.max(0, serverNow - playback.updatedAt.getTime()) / 1000) * playback.rate;
}

export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return '0:00';
  const whole = Math.max(0, Math.floor(seconds));
  const s = whole % 60;
  const m = Math.floor(whole / 60) % 60;
  const h = Math.floor(whole / 3600);
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export interface ClockSample {
  /** Our clock when the request left, ms. */
  sentAt: number;
  /** The server's clock when it answered, ms. */
  serverTime: number;
  /** Our clock when the answer arrived, ms. */
  receivedAt: number;
}

/**
 * The server clock minus ours, in ms, NTP style: the server read its clock about halfway
 * through the round trip, and the sample with the shortest round trip is trusted most.
 */
export function clockOffset(samples: ClockSample[]): number {
  let best: ClockSample | null = null;
  for (const sample of samples) {
    if (!best || sample.receivedAt - sample.sentAt < best.receivedAt - best.sentAt) best = sample;
  }
  return best ? best.serverTime - (best.sentAt + best.receivedAt) / 2 : 0;
}
