// File uploads through tus (POST/PATCH /files/): how fast one large upload goes against `cp` of
// the same file on the same disk, and whether the server's memory stays bounded while 20 clients
// upload at once, whatever the files' size. Goals (the files issue): upload ≥ 0.5× cp; peak RSS
// bounded and independent of file size.
//
// Processes: this one runs the server (the harness's; its FILES_DIR is <dataDir>/files) and `cp`
// as a child; a forked load process (files/load.ts) runs the tus clients (tus-js-client reading
// each file from disk); MariaDB and Redis are their own.
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { LoadProcess } from '../lib/load-process';
import { createMembers } from '../lib/members';
import { CONFIG, mib, removeStored, uploadAll, type Context } from './common';
import { freeBytes, MiB, writeRandomFile } from './disk';
import type { FilesLoadRequest } from './load';
import { memory, memoryGoal } from './memory';
import { throughput } from './throughput';
import type { BenchReport, BenchStack, Cell } from '../lib/harness';
import { log } from '../lib/harness';
import { CpuSampler, exposeGc, servicePids } from '../lib/process-cpu';

export async function files(stack: BenchStack): Promise<BenchReport> {
  const storage = stack.deps.files.storage;
  if (!storage.uploadsDir) throw new Error('the files bench measures uploads to local disk');
  const filesDir = dirname(storage.uploadsDir);
  // Sources and copies sit beside FILES_DIR: the same filesystem, so cp and tus write the same disk.
  const dir = join(stack.dataDir, 'files-bench');
  const largestMiB = Math.max(0, ...CONFIG.sizesMiB);
  const needed = Math.max(3 * CONFIG.bigMiB, CONFIG.sizesMiB.reduce((sum, n) => sum + n, 0) + CONFIG.clients * largestMiB) * MiB;
  mkdirSync(dir, { recursive: true });
  const free = await freeBytes(dir);
  const facts: Record<string, Cell> = {
    'machine: cores / load average at start': `${availableParallelism()} / ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
    'disk: free before / most held at once by this bench, GiB': `${(free / 1024 / MiB).toFixed(1)} / ${(needed / 1024 / MiB).toFixed(1)}`,
  };
  if (needed > CONFIG.diskBudgetBytes)
    throw new Error(`files: the sizes need ${mib(needed)} MiB of disk at once, over BENCH_FILES_DISK_GB (${mib(CONFIG.diskBudgetBytes)} MiB)`);
  if (needed + CONFIG.diskMarginBytes > free)
    throw new Error(`files: ${mib(needed)} MiB needed (and ${mib(CONFIG.diskMarginBytes)} MiB spare), ${mib(free)} MiB free in ${dir}`);

  const users = await createMembers(stack, 1 + CONFIG.rounds + CONFIG.clients * CONFIG.sizesMiB.length);
  const load = new LoadProcess<FilesLoadRequest>(new URL('./load.ts', import.meta.url));
  const cpu = new CpuSampler();
  cpu.pids.set('srv', process.pid);
  if (load.pid) cpu.pids.set('load', load.pid);
  for (const [label, pid] of servicePids(stack)) cpu.pids.set(label, pid);
  const ctx: Context = { stack, load, cpu, gc: exposeGc(), users, stored: new Set(), problems: [] };
  try {
    // The load process compiles and imports the workspace first: a few seconds on a cold cache.
    await load.request({ op: 'ready' }, 60_000);
    // One small upload first, so the first measured one does not pay for compiling the upload path.
    const warmup = await writeRandomFile(join(dir, 'warmup.bin'), 8 * MiB);
    await uploadAll(ctx, warmup, 1);
    await removeStored(ctx);

    const big = await throughput(ctx, dir);
    const cases = await memory(ctx, dir);
    facts['server FILES_DIR'] = filesDir.startsWith(stack.dataDir) ? `<dataDir>/${filesDir.slice(stack.dataDir.length + 1)}` : filesDir;
    Object.assign(facts, big.facts);
    for (const c of cases) facts[`${CONFIG.clients} × ${c.sizeMiB} MiB: each upload's time p50 / max, s`] = c.spread;
    facts[`goal 2: server RSS, ${CONFIG.clients} uploads at once`] = memoryGoal(cases);
    facts['verified: every upload ready, size and SHA-256 equal to the source'] =
      ctx.problems.length === 0 ? 'yes' : `NO: ${ctx.problems.slice(0, 3).join('; ')}`;
    return {
      bench: 'files',
      rows: [...big.rows, ...cases.map((c) => c.row)],
      facts,
      notes: [
        "MiB/s = file size ÷ wall time; s are medians of the runs; every upload is one user's (60 new uploads a minute each)",
        'neither cp nor the server fsyncs (tus\'s FileStore writes with a plain write stream): both figures are writes into the page cache, as the OS does by default; "fsync after" is the time an fsync of the result took afterwards, "MiB/s incl. fsync" counts it in. The source is fsynced once written and read from the page cache by both',
        'cp is GNU cp as is (on ext4 it copies in the kernel with copy_file_range; on btrfs/XFS it would share the blocks instead), and with --reflink=never (a read/write loop)',
        'Chorus upload: tus-js-client in the load process reading an fs.ReadStream of the source, one POST /files/ then PATCHes over loopback; the last PATCH is answered once the server has re-read the whole file for its SHA-256, sniffed its type and updated the row',
        'where an upload\'s time goes: the server reads each PATCH body as a web stream (@tus/server 2 through srvx: Readable.toWeb of the request, which copies every socket chunk, then Readable.fromWeb) into FileStore\'s write stream, one write per chunk, no fsync; "server GC" counts the full collections of this process (the server) during one upload (their pauses leave out the incremental marking between them; BENCH_FILES_PROFILE=<dir> writes a CPU profile of the first upload)',
        "RSS is this process's (the server; the clients are in the load process), baseline after a full GC; peak is the kernel's VmHWM reset before each case (or the highest 50 ms sample when the kernel cannot reset it); CPU is % of one core over the upload",
      ],
    };
  } finally {
    await load.request({ op: 'stop' }, 10_000).catch(() => undefined);
    await load.stop();
    await removeStored(ctx).catch((error: unknown) => log(`files: uploads not removed: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
