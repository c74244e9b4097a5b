import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { initialJavaScript, initialScripts } from '../scripts/measure-bundle';

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
