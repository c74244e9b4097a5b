// The files benchmark's first case: one large upload through tus against `cp` of the same file on
// the same disk (goal: upload ≥ 0.5× cp).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG, median, mib, rate, removeStored, seconds, uploadAll, type Context } from './common';
import { hashFile, MiB, timeCommand, timeFsync, watchGc, writeRandomFile, type GcUse, type RssPeak } from './disk';
import type { Cell } from '../lib/harness';
import { log } from '../lib/harness';
import { withProfile, type CpuUse } from '../lib/process-cpu';

export interface ThroughputResult {
  rows: Array<Record<string, Cell>>;
  facts: Record<string, Cell>;
  ratio: number;
}

export async function throughput(ctx: Context, dir: string): Promise<ThroughputResult> {
  const size = CONFIG.bigMiB * MiB;
  log(`files: writing ${CONFIG.bigMiB} MiB of random bytes`);
  const source = await writeRandomFile(join(dir, 'source.bin'), size);
  const copy = join(dir, 'copy.bin');
  const runs = { cp: [] as number[], cpFsync: [] as number[], plain: [] as number[], plainFsync: [] as number[] };
  const chorus = { total: [] as number[], fsync: [] as number[], create: [] as number[], bytes: [] as number[], finish: [] as number[], patches: 0 };
  const cpus: CpuUse[] = [];
  const rsses: RssPeak[] = [];
  const gcs: GcUse[] = [];
  let storedHash: { sha256: string; ms: number } | undefined;
  try {
    for (let round = 0; round < CONFIG.rounds; round++) {
      log(`files: round ${round + 1} of ${CONFIG.rounds}: cp, cp --reflink=never, tus upload of ${CONFIG.bigMiB} MiB`);
      // Each copy is fsynced (timed apart) and removed before the next step, so no write-back runs under a timing.
      runs.cp.push(await timeCommand('cp', [source.path, copy]));
      runs.cpFsync.push(await timeFsync(copy));
      await rm(copy);
      runs.plain.push(await timeCommand('cp', ['--reflink=never', source.path, copy]));
      runs.plainFsync.push(await timeFsync(copy));
      await rm(copy);

      const {
        result: { batch, cpu, rss },
        gc,
      } = await watchGc(() => withProfile(round === 0 ? CONFIG.profileDir : null, 'files-upload', () => uploadAll(ctx, source, 1)));
      gcs.push(gc);
      const upload = batch.uploads[0]!;
      chorus.total.push(upload.totalMs);
      chorus.create.push(upload.createMs);
      chorus.bytes.push(upload.bytesMs);
      chorus.finish.push(upload.finishMs);
      chorus.patches = upload.patches;
      cpus.push(cpu);
      rsses.push(rss);
      if (!upload.error) {
        const storedPath = join(ctx.stack.deps.files.storage.uploadsDir ?? '', upload.fileId);
        chorus.fsync.push(await timeFsync(storedPath));
        // Once: the stored bytes hashed here too, not only by the server (and how long a SHA-256 pass over them takes).
        if (!storedHash) {
          storedHash = await hashFile(storedPath);
          if (storedHash.sha256 !== source.sha256) ctx.problems.push(`stored ${upload.fileId}: SHA-256 read back ${storedHash.sha256}, ${source.sha256} sent`);
        }
      }
      await removeStored(ctx);
    }
  } finally {
    await rm(copy, { force: true });
    await rm(source.path, { force: true });
  }

  const row = (label: string, times: number[], fsyncs: number[]): Record<string, Cell> => {
    const s = median(times);
    const f = median(fsyncs);
    return {
      case: label,
      runs: times.length,
      s: seconds(s),
      'MiB/s': rate(size, s),
      'runs, s': times.map((t) => seconds(t)).join(' '),
      'fsync after, s': seconds(f),
      'MiB/s incl. fsync': rate(size, s + f),
    };
  };
  const cpRow = row('cp (default: copy_file_range)', runs.cp, runs.cpFsync);
  const plainRow = row('cp --reflink=never (read/write)', runs.plain, runs.plainFsync);
  const chorusRow = row(`Chorus tus upload, ${CONFIG.chunkMiB} MiB chunks`, chorus.total, chorus.fsync);
  const cpuMedian = (label: string): Cell => {
    const values = cpus.map((cpu) => cpu.percent.get(label)).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : '-';
  };
  Object.assign(chorusRow, {
    'srv CPU %': cpuMedian('srv'),
    'load CPU %': cpuMedian('load'),
    'other CPU %': cpuMedian('other'),
    'RSS base MiB': mib(median(rsses.map((r) => r.baselineBytes))),
    'RSS peak MiB': mib(median(rsses.map((r) => r.kernelPeakBytes ?? r.sampledPeakBytes))),
  });
  const part = (label: string, times: number[]): Record<string, Cell> => ({
    case: `  ${label}`,
    runs: times.length,
    s: seconds(median(times)),
    'runs, s': times.map((t) => seconds(t)).join(' '),
  });

  const ratio = Number((rate(size, median(chorus.total)) / rate(size, median(runs.cp))).toFixed(2));
  const facts: Record<string, Cell> = {
    [`goal 1: upload ÷ cp, MiB/s (${CONFIG.bigMiB} MiB, medians)`]: `${chorusRow['MiB/s']} ÷ ${cpRow['MiB/s']} = ${ratio}× (goal ≥ ${CONFIG.goals.ratio}×): ${ratio >= CONFIG.goals.ratio ? 'met' : 'missed'}`,
    'upload ÷ cp --reflink=never': `${Number((Number(chorusRow['MiB/s']) / Number(plainRow['MiB/s'])).toFixed(2))}×`,
    'upload ÷ cp, both followed by an fsync of the result': `${Number((Number(chorusRow['MiB/s incl. fsync']) / Number(cpRow['MiB/s incl. fsync'])).toFixed(2))}×`,
    'PATCH requests per upload': chorus.patches,
    'server GC during one upload (median): full collections / their pauses, scavenges': `${median(gcs.map((g) => g.major))} / ${Math.round(median(gcs.map((g) => g.majorMs)))} ms, ${median(gcs.map((g) => g.minor))}`,
    'SHA-256 pass over the stored file (this process, from the page cache)': storedHash
      ? `${seconds(storedHash.ms)} s, ${rate(size, storedHash.ms)} MiB/s`
      : '-',
  };
  return {
    rows: [
      cpRow,
      plainRow,
      chorusRow,
      part('POST /files/ (create: session, quota, row)', chorus.create),
      { ...part('PATCH bodies (first PATCH sent → last body byte read from the file)', chorus.bytes), 'MiB/s': rate(size, median(chorus.bytes)) },
      part('→ last answer (bytes in flight, SHA-256 pass, row)', chorus.finish),
    ],
    facts,
    ratio,
  };
}
