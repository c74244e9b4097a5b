// `npm start` rebuilds the web app only when its build is missing or older than its sources.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEB_INPUTS, webBuildStaleness } from '../../../scripts/build-web.mjs';

let repo: string;
const at = (relative: string) => path.join(repo, relative);

async function writeAt(relative: string, secondsAgo: number): Promise<void> {
  await mkdir(path.dirname(at(relative)), { recursive: true });
  await writeFile(at(relative), relative);
  const time = new Date(Date.now() - secondsAgo * 1000);
  await utimes(at(relative), time, time);
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'chorus-build-web-'));
  await writeAt('apps/web/src/main.tsx', 100);
  await writeAt('apps/web/src/screens/chat/ChatView.tsx', 100);
  await writeAt('apps/web/index.html', 100);
  await writeAt('apps/web/vite.config.ts', 100);
  await writeAt('packages/client/src/index.ts', 100);
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('the web build', () => {
  it('is stale when dist/index.html is missing', () => {
    expect(webBuildStaleness(repo)).toBe('apps/web/dist/index.html is missing');
  });

  it('is current when built after every source', async () => {
    await writeAt('apps/web/dist/index.html', 10);
    expect(webBuildStaleness(repo)).toBeNull();
  });

  it('is stale when any source, however deep, changed after the build', async () => {
    await writeAt('apps/web/dist/index.html', 10);
    let round = 0;
    for (const [source, input] of [
      ['apps/web/src/screens/chat/ChatView.tsx', 'apps/web/src'],
      ['apps/web/index.html', 'apps/web/index.html'],
      ['apps/web/vite.config.ts', 'apps/web/vite.config.ts'],
      ['packages/client/src/index.ts', 'packages/client/src'],
      ['apps/web/src/new-file.ts', 'apps/web/src'],
    ] as const) {
      // Each round: a source edited after the last build, then built again.
      await writeAt(source, 9 - round * 2);
      expect(webBuildStaleness(repo)).toBe(`${input} changed since the last build`);
      await writeAt('apps/web/dist/index.html', 8 - round * 2);
      expect(webBuildStaleness(repo)).toBeNull();
      round += 1;
    }
  });

  it('ignores inputs that do not exist and files outside the inputs', async () => {
    await writeAt('apps/web/dist/index.html', 10);
    await writeAt('apps/web/README.md', 0);
    await writeAt('apps/web/src/node_modules/x/index.js', 0);
    expect(WEB_INPUTS).toContain('apps/web/public');
    expect(webBuildStaleness(repo)).toBeNull();
  });
});
