import type { PlaybackState } from '@chorus/client';
import { chorus } from '../../app/client';

/** A player further than this from the room's position seeks to it (the server calls ≤ 1 s in sync). */
export const SEEK_THRESHOLD_SEC = 0.5;
/** How often a member tells the server where its player is. */
export const REPORT_EVERY_MS = 2000;

/** Where the room's playback is at `serverNow` (ms): it advances by `rate` per second while playing. */
export function expectedPosition(playback: Pick<PlaybackState, 'paused' | 'positionSec' | 'rate' | 'updatedAt'>, serverNow: number): number {
  if (playback.paused) return playback.positionSec;
  return playback.positionSec + (Math.max(0, serverNow - playback.updatedAt.getTime()) / 1000) * playback.rate;
}

/**
 * The server clock minus ours, in ms, NTP style: of a few `rooms.clock` round trips, the one
 * with the shortest round trip is trusted most (its midpoint is closest to the server's reading).
 */
export async function measureClockOffset(samples = 3): Promise<number> {
  let best: { rtt: number; offset: number } | null = null;
  for (let i = 0; i < samples; i++) {
    const sentAt = Date.now();
    const { serverTime } = await chorus.rooms.clock.query({ clientTime: sentAt });
    const receivedAt = Date.now();
    const rtt = receivedAt - sentAt;
    const offset = serverTime - (sentAt + receivedAt) / 2;
    if (!best || rtt < best.rtt) best = { rtt, offset };
  }
  return best?.offset ?? 0;
}

/** The URL room members download an uploaded file from (the server checks they may). */
export function fileUrl(fileId: string): string {
  return `${window.location.origin}/files/${encodeURIComponent(fileId)}`;
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
