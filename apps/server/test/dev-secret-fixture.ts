import { readFile } from 'node:fs/promises';
import { spawnServerChild, waitForLogLine } from './server-process';

/**
 * Starts the server process twice with `env` (a secret left unset outside production): for each
 * start, the warning it logged about the development secret it keeps under the data directory
 * (`created` on the first start only, if all is well) and what that file held.
 */
export async function devSecretOverTwoStarts(
  env: Record<string, string>,
  warningMessage: string,
): Promise<Array<{ warning: Record<string, unknown>; contents: string }>> {
  const starts: Array<{ warning: Record<string, unknown>; contents: string }> = [];
  for (let start = 0; start < 2; start++) {
    const server = spawnServerChild(env);
    try {
      const warning = await waitForLogLine(server, warningMessage);
      await waitForLogLine(server, 'listening');
      starts.push({ warning, contents: await readFile(String(warning.path), 'utf8') });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
  return starts;
}
