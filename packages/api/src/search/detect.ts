import type { Db } from '@chorus/db';
import type { SearchEngine } from './engine';
import { mroongaEngine } from './mroonga';
import { ngramEngine } from './ngram';

export type EngineChoice = { engine: SearchEngine; reason: string } | { engine: null; reason: string };

/**
 * The engine this database server offers: Mroonga when its plugin is active (MariaDB),
 * InnoDB ngram on MySQL 8 or later; otherwise none, and `reason` says why.
 */
export async function detectEngine(db: Db): Promise<EngineChoice> {
  const [rows] = await db.$client.query('select version() as version');
  const version = String((rows as Array<{ version: string }>)[0]?.version ?? '');
  if (/mariadb/i.test(version)) {
    const [plugins] = await db.$client.query("select plugin_status as status from information_schema.plugins where plugin_name = 'Mroonga'");
    const status = (plugins as Array<{ status: string }>)[0]?.status;
    if (status === 'ACTIVE') return { engine: mroongaEngine, reason: `MariaDB ${version} with Mroonga` };
    return {
      engine: null,
      reason: `MariaDB ${version} without the Mroonga plugin (install mariadb-plugin-mroonga and start the server with --plugin-load-add=ha_mroonga.so)`,
    };
  }
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? 0);
  if (major >= 8) return { engine: ngramEngine, reason: `MySQL ${version}: InnoDB FULLTEXT with the ngram parser` };
  return { engine: null, reason: `${version || 'this server'} has neither Mroonga nor the ngram full-text parser` };
}
