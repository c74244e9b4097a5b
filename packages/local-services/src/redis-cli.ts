import { execFile } from 'node:child_process';
import { findBinary } from './binaries.js';
import { LOOPBACK } from './ports.js';

function cliBinary(): string {
  const binary = findBinary('redis-cli');
  if (!binary) throw new Error('redis-cli not found (Debian package redis-tools)');
  return binary;
}

/** Run redis-cli with `args` (no host/port added) and resolve with its stdout. */
export function runRedisCli(args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cliBinary(), args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${stderr.trim() || stdout.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * One command to the Redis server (or Sentinel) on 127.0.0.1:port, its reply as redis-cli prints
 * it raw (one value per line). An error reply rejects (`-e`: non-zero exit on an error reply).
 */
export function redisCommand(port: number, ...command: string[]): Promise<string> {
  return runRedisCli(['-h', LOOPBACK, '-p', String(port), '-e', '--raw', ...command], 3000);
}

/** `field:value` lines of INFO or CLUSTER INFO as a map. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}
