import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface BundleFigure {
  /** Paths as index.html names them. */
  files: string[];
  rawBytes: number;
  /** Each file gzipped at level 9, summed. */
  gzipBytes: number;
}

/** The scripts a built index.html loads (`<script src>`) and preloads (`<link rel="modulepreload">`). */
export function initialScripts(html: string): string[] {
  const found = new Set<string>();
  for (const tag of html.match(/<(script|link)\b[^>]*>/gi) ?? []) {
    const attribute = (name: string) => new RegExp(`\\s${name}=["']([^"']+)["']`, 'i').exec(tag)?.[1];
    const isScript = /^<script/i.test(tag);
    const url = isScript ? attribute('src') : attribute('rel')?.toLowerCase() === 'modulepreload' ? attribute('href') : undefined;
    if (url && !/^[a-z]+:\/\//i.test(url)) found.add(url);
  }
  return [...found];
}

/** Initial JavaScript of the built app in `distDir`, raw and gzipped. */
export async function initialJavaScript(distDir: string): Promise<BundleFigure> {
  const files = initialScripts(await readFile(join(distDir, 'index.html'), 'utf8'));
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = await readFile(join(distDir, file.replace(/^\//, '')));
    rawBytes += bytes.length;
    gzipBytes += (await gzipAsync(bytes, { level: constants.Z_BEST_COMPRESSION })).length;
  }
  return { files, rawBytes, gzipBytes };
}
