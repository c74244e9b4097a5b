// What the files benchmark does on disk itself: random source files, `cp`, fsync, SHA-256 of a
// stored file, free space; and the server process's resident memory while uploads run.
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { open, statfs } from 'node:fs/promises';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';

export const MiB = 1024 * 1024;

export interface Source {
  path: string;
  size: number;
  sha256: string;
}

/**
 * `size` random bytes (incompressible, so nothing on the way can shrink them) written to `path`,
 * then fsynced: their write-back must not run during the timings that follow. The file stays in
 * the page cache, so `cp` and the tus client both read it from memory.
 */
export async function writeRandomFile(path: string, size: number): Promise<Source> {
  const handle = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(8 * MiB);
  try {
    for (let written = 0; written < size;) {
      const part = block.subarray(0, Math.min(block.length, size - written));
      randomFillSync(part);
      hash.update(part);
      for (let offset = 0; offset < part.length;) offset += (await handle.write(part, offset, part.length - offset)).bytesWritten;
      written += part.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { path, size, sha256: hash.digest('hex') };
}

/** Runs a command to its end: ms from spawning it to its exit (start-up included, ~1 ms). */
export function timeCommand(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')}: exit ${signal ?? code}: ${stderr.trim()}`));
    });
  });
}

/** ms to fsync a file: writing its dirty pages to the disk. */
export async function timeFsync(path: string): Promise<number> {
  const handle = await open(path, 'r+');
  try {
    const started = performance.now();
    await handle.sync();
    return performance.now() - started;
  } finally {
    await handle.close();
  }
}

/** SHA-256 of a file read from disk (from the page cache, when it was just written), and the time it took. */
export async function hashFile(path: string): Promise<{ sha256: string; ms: number }> {
  const started = performance.now();
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MiB }) as AsyncIterable<Buffer>) hash.update(chunk);
  return { sha256: hash.digest('hex'), ms: performance.now() - started };
}

/** Bytes an unprivileged process may still write on the filesystem of `dir` (what `df` shows as available). */
export async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}

// ---------------------------------------------------------------- resident memory

export interface RssPeak {
  /** RSS after a full GC, just before the uploads. */
  baselineBytes: number;
  /** Highest RSS among the samples, and the heap figures of that sample. */
  sampledPeakBytes: number;
  heapUsedAtPeak: number;
  arrayBuffersAtPeak: number;
  samples: number;
  /** The kernel's own peak (VmHWM after resetting it with /proc/self/clear_refs), when this Linux allows that: no sample can miss it. */
  kernelPeakBytes: number | undefined;
}

function readVmHwm(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak RSS of this process to its current RSS (Linux ≥ 4.0). */
function resetVmHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * This process's RSS (the server runs here) every `everyMs` while `work` runs. The timer shares
 * the server's event loop and may run late when it is busy; the kernel's VmHWM covers that.
 */
export async function watchRss<T>(everyMs: number, gc: (() => void) | undefined, work: () => Promise<T>): Promise<{ result: T; rss: RssPeak }> {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const baselineBytes = process.memoryUsage.rss();
  const canReset = resetVmHwm();
  let peak = process.memoryUsage();
  let samples = 0;
  const sample = () => {
    samples++;
    const rss = process.memoryUsage.rss();
    // The full breakdown walks the heap's spaces: only when the peak moves.
    if (rss > peak.rss) peak = process.memoryUsage();
  };
  const timer = setInterval(sample, everyMs);
  try {
    const result = await work();
    sample();
    const kernelPeakBytes = canReset ? readVmHwm() : undefined;
    return {
      result,
      rss: { baselineBytes, sampledPeakBytes: peak.rss, heapUsedAtPeak: peak.heapUsed, arrayBuffersAtPeak: peak.arrayBuffers, samples, kernelPeakBytes },
    };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------- garbage collection

export interface GcUse {
  /** Full (mark-compact) collections and their pauses; incremental marking steps between them are not in the pauses. */
  major: number;
  majorMs: number;
  minor: number;
  minorMs: number;
}

/** This process's GC pauses while `work` runs (the server's: it runs here). */
export async function watchGc<T>(work: () => Promise<T>): Promise<{ result: T; gc: GcUse }> {
  const gc: GcUse = { major: 0, majorMs: 0, minor: 0, minorMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.major++;
        gc.majorMs += entry.duration;
      } else if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
        gc.minor++;
        gc.minorMs += entry.duration;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await work();
    // Entries are delivered asynchronously: let the last ones in.
    await new Promise((resolve) => setImmediate(resolve));
    return { result, gc };
  } finally {
    observer.disconnect();
  }
}
