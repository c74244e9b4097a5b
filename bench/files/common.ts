// What the files benchmark's cases share: settings, the per-run context, and one batch of uploads
// from the load process, checked against its source.
import type { LoadProcess } from '../lib/load-process';
import type { Member } from '../lib/members';
import { MiB, watchRss, type RssPeak, type Source } from './disk';
import type { FilesLoadRequest, UploadBatch, UploadTiming } from './load';
import type { BenchStack, Cell } from '../lib/harness';
import type { CpuSampler, CpuUse } from '../lib/process-cpu';
import { envNumber, sized } from '../lib/env';
import { quantiles } from '../lib/stats';
import { filesTable } from '../lib/workspace';

export const CONFIG = {
  /** The single upload compared with cp, MiB. */
  bigMiB: Math.floor(envNumber('BENCH_FILES_MB', sized(512, 8))),
  /** cp, cp, upload: this many times each, medians reported. */
  rounds: Math.floor(envNumber('BENCH_FILES_ROUNDS', sized(3, 1))),
  /** Concurrent uploads of the memory case, each its own user. */
  clients: Math.floor(envNumber('BENCH_FILES_CLIENTS', sized(20, 2))),
  /** File sizes of the memory case, MiB, smallest first (the goal: the peak does not grow with them). */
  sizesMiB: (process.env.BENCH_FILES_SIZES_MB ?? sized('25,100', '1,2'))
    .split(',')
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0)
    .sort((a, b) => a - b),
  chunkMiB: envNumber('BENCH_FILES_CHUNK_MB', sized(64, 4)),
  /** The most this bench may hold on disk at once, and what must stay free beside it. */
  diskBudgetBytes: envNumber('BENCH_FILES_DISK_GB', 3) * 1024 * MiB,
  diskMarginBytes: sized(1024, 64) * MiB,
  rssEveryMs: 50,
  uploadTimeoutMs: 180_000,
  goals: { ratio: 0.5, rssIncreaseMiB: 256, rssGrowth: 1.5, rssNoiseMiB: 32 },
  /** BENCH_FILES_PROFILE=dir: a V8 CPU profile of this process (the server) over the first large upload. */
  profileDir: process.env.BENCH_FILES_PROFILE || null,
};

export const seconds = (ms: number): number => Number((ms / 1000).toFixed(2));
export const mib = (bytes: number): number => Math.round(bytes / MiB);
export const rate = (bytes: number, ms: number): number => Math.round(bytes / MiB / (ms / 1000));
export const median = (values: readonly number[]): number => quantiles(values, [0.5])[0] ?? Number.NaN;
export const cpuCell = (cpu: CpuUse, label: string): Cell => cpu.percent.get(label) ?? '-';

export interface Context {
  stack: BenchStack;
  load: LoadProcess<FilesLoadRequest>;
  cpu: CpuSampler;
  gc: (() => void) | undefined;
  /** Users not used yet: one per upload. */
  users: Member[];
  /** Ids of uploads whose bytes are still on disk. */
  stored: Set<string>;
  /** Anything an upload got wrong (an error, a size or hash that does not match). */
  problems: string[];
}

/** Uploads `source` once per user, all at once, from the load process; checks every stored file against the source. */
export async function uploadAll(ctx: Context, source: Source, count: number): Promise<{ batch: UploadBatch; cpu: CpuUse; rss: RssPeak }> {
  const users = ctx.users.splice(0, count);
  if (users.length < count) throw new Error(`files: ${count} users needed, ${users.length} left`);
  const uploads = users.map((user, i) => ({ token: user.token, path: source.path, name: `bench-${i}.bin` }));
  ctx.cpu.begin();
  const { result: batch, rss } = await watchRss(CONFIG.rssEveryMs, ctx.gc, () =>
    ctx.load.request<UploadBatch>(
      { op: 'upload', url: ctx.stack.url, uploads, chunkSize: CONFIG.chunkMiB * MiB, timeoutMs: CONFIG.uploadTimeoutMs },
      CONFIG.uploadTimeoutMs + 30_000,
    ),
  );
  ctx.cpu.end();
  for (const upload of batch.uploads) if (upload.fileId) ctx.stored.add(upload.fileId);
  await verify(ctx, source, batch.uploads);
  return { batch, cpu: ctx.cpu.take(), rss };
}

/** Each upload succeeded, its row is ready with the source's size and SHA-256 (hashed by the server from the stored bytes), and the stored file has that size. */
async function verify(ctx: Context, source: Source, uploads: UploadTiming[]): Promise<void> {
  const rows = new Map(
    (await ctx.stack.deps.db.select({ id: filesTable.id, status: filesTable.status, size: filesTable.size, sha256: filesTable.sha256 }).from(filesTable)).map(
      (row) => [row.id, row],
    ),
  );
  for (const upload of uploads) {
    const what = `upload of ${mib(source.size)} MiB${upload.fileId ? ` (${upload.fileId})` : ''}`;
    if (upload.error) {
      ctx.problems.push(`${what}: ${upload.error}`);
      continue;
    }
    const row = rows.get(upload.fileId);
    const stored = await ctx.stack.deps.files.storage.stat(`uploads/${upload.fileId}`);
    if (row?.status !== 'ready') ctx.problems.push(`${what}: status ${row?.status ?? 'no row'}`);
    else if (row.size !== source.size || stored?.size !== source.size)
      ctx.problems.push(`${what}: size ${row.size} in the row, ${stored?.size} stored, ${source.size} sent`);
    else if (row.sha256 !== source.sha256) ctx.problems.push(`${what}: SHA-256 ${row.sha256} in the row, ${source.sha256} sent`);
  }
}

export async function removeStored(ctx: Context): Promise<void> {
  const { storage } = ctx.stack.deps.files;
  for (const id of ctx.stored) {
    await storage.delete(`uploads/${id}`);
    await storage.delete(`uploads/${id}.json`);
    ctx.stored.delete(id);
  }
}
