import { chorus } from '../../app/client';
import { clockOffset, type ClockSample } from './position';

/** The server clock minus ours, in ms, from a few `rooms.clock` round trips. */
export async function measureClockOffset(count = 3): Promise<number> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < count; i++) {
    const sentAt = Date.now();
    const { serverTime } = await chorus.rooms.clock.query({ clientTime: sentAt });
    samples.push({ sentAt, serverTime, receivedAt: Date.now() });
  }
  return clockOffset(samples);
}

/** The URL room members download an uploaded file from (the server checks they may). */
export function fileUrl(fileId: string): string {
  return `${window.location.origin}/files/${encodeURIComponent(fileId)}`;
}
