import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '@chorus/testing';
import { initialJavaScript, initialScripts } from '../scripts/measure-bundle';
import { TRACE_CATEGORIES, traceFrames } from '../scripts/measure-trace';

const html = `<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-abc.js"></script>
<link rel="modulepreload" crossorigin href="/assets/vendor-def.js">
<link rel="stylesheet" crossorigin href="/assets/index-123.css">
<link rel="icon" href="/favicon.svg">
<script src="https://cdn.example.com/outside.js"></script>
</head><body><div id="root"></div></body></html>`;

describe('initial JavaScript of a built index.html', () => {
  it('counts the module scripts and modulepreloads it loads, not styles, icons or other origins', () => {
    expect(initialScripts(html)).toEqual(['/assets/index-abc.js', '/assets/vendor-def.js']);
  });

  it('sums raw and gzip -9 sizes of those files', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'chorus-dist-'));
    try {
      await mkdir(join(dist, 'assets'));
      const app = 'export const app = "chat";\n'.repeat(200);
      const vendor = 'export const vendor = 1;\n'.repeat(100);
      await Promise.all([
        writeFile(join(dist, 'index.html'), html),
        writeFile(join(dist, 'assets', 'index-abc.js'), app),
        writeFile(join(dist, 'assets', 'vendor-def.js'), vendor),
        writeFile(join(dist, 'assets', 'index-123.css'), 'body { color: red }'.repeat(100)),
      ]);
      const gz = (text: string) => gzipSync(text, { level: constants.Z_BEST_COMPRESSION }).length;
      expect(await initialJavaScript(dist)).toEqual({
        files: ['/assets/index-abc.js', '/assets/vendor-def.js'],
        rawBytes: app.length + vendor.length,
        gzipBytes: gz(app) + gz(vendor),
      });
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });
});

describe('frame times from a Chromium trace', () => {
  const suite = useBrowser();

  it('counts presented and dropped frames and the gaps between presented ones, in a real scroll', async () => {
    const page = await (await suite.newContext({ viewport: { width: 800, height: 600 } })).newPage();
    const items = Array.from({ length: 2000 }, (_, i) => `<li>item ${i}</li>`).join('');
    await page.setContent(`<ul style="height: 500px; overflow: auto; margin: 0">${items}</ul>`);
    await page.mouse.move(200, 200);
    await suite.browser.startTracing(page, { categories: TRACE_CATEGORIES });
    for (let step = 0; step < 30; step++) {
      await page.mouse.wheel(0, 300);
      await page.waitForTimeout(16);
    }
    const frames = traceFrames(await suite.browser.stopTracing());
    expect(frames.presented).toBeGreaterThan(10);
    expect(frames.count).toBe(frames.presented - 1);
    // Headless Chromium presents at 60 Hz: no two presented frames closer than a vsync apart.
    expect(frames.p50).toBeGreaterThanOrEqual(16);
    expect(frames.max).toBeGreaterThanOrEqual(frames.p95);
  });

  it('reads PipelineReporter begin events only', () => {
    const event = (ts: number, state: string, ph = 'b') => ({ name: 'PipelineReporter', ph, ts: ts * 1000, args: { frame_reporter: { state } } });
    const trace = JSON.stringify({
      traceEvents: [
        event(0, 'STATE_PRESENTED_ALL'),
        event(5, '', 'e'),
        event(16, 'STATE_DROPPED'),
        event(33, 'STATE_PRESENTED_PARTIAL'),
        event(40, 'STATE_NO_UPDATE_DESIRED'),
        event(50, 'STATE_PRESENTED_ALL'),
        { name: 'DrawFrame', ph: 'X', ts: 1 },
      ],
    });
    expect(traceFrames(trace)).toEqual({ presented: 3, dropped: 1, count: 2, p50: 17, p95: 33, max: 33 });
  });
});
