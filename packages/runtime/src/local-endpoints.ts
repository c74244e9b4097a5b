import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * While a server runs on private MariaDB/Redis, it records their URLs here so that scripts
 * (`db:migrate`, `admin:create`) started beside it use the same servers instead of failing
 * on the data directory it owns.
 */
export interface LocalEndpoints {
  pid: number;
  databaseUrl?: string;
  redisUrl?: string;
}

const fileIn = (dataDir: string) => path.join(dataDir, 'endpoints.json');

export function publishLocalEndpoints(dataDir: string, endpoints: Omit<LocalEndpoints, 'pid'>): () => void {
  const file = fileIn(dataDir);
  writeFileSync(file, `${JSON.stringify({ pid: process.pid, ...endpoints })}\n`, { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

/** The endpoints of a live process using `dataDir`, or null. */
export function readLocalEndpoints(dataDir: string): LocalEndpoints | null {
  try {
    const endpoints = JSON.parse(readFileSync(fileIn(dataDir), 'utf8')) as LocalEndpoints;
    process.kill(endpoints.pid, 0);
    return endpoints;
  } catch {
    return null;
  }
}
