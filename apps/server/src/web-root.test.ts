import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_DIST_DIR, loadEnv } from './env';
import { findWebRoot } from './web-root';

let dir: string;
const lines: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'chorus-web-root-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the web root', () => {
  it('defaults to apps/web/dist; set empty, it is off', () => {
    expect(loadEnv({}).WEB_DIST_DIR).toBe(DEFAULT_WEB_DIST_DIR);
    expect(DEFAULT_WEB_DIST_DIR).toMatch(/apps\/web\/dist$/);
    expect(loadEnv({ WEB_DIST_DIR: '' }).WEB_DIST_DIR).toBe('');
    expect(loadEnv({ WEB_DIST_DIR: dir }).WEB_DIST_DIR).toBe(dir);
    expect(findWebRoot('', logger)).toBeUndefined();
  });

  it('is served only once built, with a warning saying how to build it before', async () => {
    lines.length = 0;
    expect(findWebRoot(dir, logger)).toBeUndefined();
    expect(lines.join('')).toMatch(/index\.html missing\): serving the API only; point WEB_DIST_DIR at a Vite build/);
    expect(findWebRoot(path.join(dir, 'nope'), logger)).toBeUndefined();
    lines.length = 0;
    expect(findWebRoot(DEFAULT_WEB_DIST_DIR + '-missing', logger)).toBeUndefined();
    expect(lines.join('')).toContain('serving the API only');
    await writeFile(path.join(dir, 'index.html'), '<!doctype html>');
    expect(findWebRoot(dir, logger)).toBe(dir);
  });

  it('the default PUBLIC_ORIGINS name Vite dev and preview servers on both loopback names', () => {
    expect(loadEnv({}).PUBLIC_ORIGINS).toEqual(['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:4173', 'http://127.0.0.1:4173']);
  });
});
