// Media for browser tests, made by the browser itself: no video file in the repository and no
// system encoder. Chromium's MediaRecorder encodes a canvas that shows its frame number.
import type { Page } from '@chorus/testing';

/**
 * A VP8 WebM of `seconds` (10 frames a second, 160×120, a few KB a second) recorded in `page`.
 * Recording takes that long in real time. Such a file has no duration in its header: players
 * learn it as they read, which the room's player must cope with.
 */
export async function recordWebm(page: Page, seconds: number): Promise<Buffer> {
  // In-page code as a string: the tests' types have no DOM.
  const base64 = await page.evaluate<string>(`(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const ctx = canvas.getContext('2d');
    let frame = 0;
    const draw = () => {
      ctx.fillStyle = 'hsl(' + ((frame * 10) % 360) + ' 70% 45%)';
      ctx.fillRect(0, 0, 160, 120);
      ctx.fillStyle = '#fff';
      ctx.font = '48px sans-serif';
      ctx.fillText(String(frame++), 12, 80);
    };
    draw();
    const timer = setInterval(draw, 100);
    const recorder = new MediaRecorder(canvas.captureStream(10), { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 100000 });
    const chunks = [];
    recorder.ondataavailable = (event) => chunks.push(event.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start(500);
    await new Promise((resolve) => setTimeout(resolve, ${seconds * 1000}));
    recorder.stop();
    await stopped;
    clearInterval(timer);
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  })()`);
  return Buffer.from(base64, 'base64');
}

export interface PlayerState {
  currentTime: number;
  paused: boolean;
  readyState: number;
}

/** The room's `<video>` ("Room video") as the page plays it. */
export function playerState(page: Page): Promise<PlayerState> {
  return page.evaluate<PlayerState>(`(() => {
    const video = document.querySelector('video[aria-label="Room video"]');
    return video ? { currentTime: video.currentTime, paused: video.paused, readyState: video.readyState } : { currentTime: -1, paused: true, readyState: 0 };
  })()`);
}
