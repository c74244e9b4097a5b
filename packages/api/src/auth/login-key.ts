import { users } from '@chorus/db';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../kernel';

/**
 * The rate-limit key of a login that names no account: one key for every spelling the
 * lookup would treat as the same identifier ("Dave", "dave" and "dávé" under a case- and
 * accent-insensitive collation), so variants get no more tries than an account would.
 * The database computes it: the UNION gives the value the looked-up column's collation,
 * whichever collation the operator's database uses, and the key is a hash of its weight.
 */
export async function unknownLoginKey(db: DbOrTx, by: 'email' | 'username', identifier: string): Promise<string> {
  const column = by === 'email' ? users.email : users.username;
  const [rows] = await db.execute(
    sql`SELECT SHA2(WEIGHT_STRING(k), 256) AS weight FROM (SELECT ${column} AS k FROM ${users} WHERE FALSE UNION ALL SELECT ${identifier}) AS t`,
  );
  const weight = (rows as unknown as Array<{ weight: string }>)[0]?.weight;
  if (!weight) throw new Error('unknownLoginKey: no weight');
  return `login:${weight}`;
}
