// The baseline chat.search is compared with: what an app without a search index does, a
// `LIKE '%word%'` per word over the same messages with the same visibility as chat.search (member
// of the conversation, after a room's history floor, not deleted, conversation not dissolved),
// newest first, one page. Run as SQL straight on the pool, so it carries none of the server's or
// the socket's cost that the chat.search figures include: the ratio is in LIKE's favour.
import type { Query } from './corpus';
import type { BenchStack } from '../lib/harness';

type Pool = BenchStack['deps']['db']['$client'];

const escapeLike = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`);

export const LIKE_SQL = (terms: number) => `SELECT m.id FROM messages m
  JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = ?
  JOIN conversations c ON c.id = m.conversation_id AND c.dissolved_at IS NULL
  LEFT JOIN rooms r ON r.id = m.conversation_id
  WHERE m.deleted_at IS NULL AND (r.id IS NULL OR r.history_visible OR m.id > cm.joined_after_message_id)
    AND ${Array.from({ length: terms }, () => 'm.text LIKE ?').join(' AND ')}
  ORDER BY m.id DESC LIMIT ?`;

/** Runs the LIKE query of `query` for `userId`: its time in ms and the ids of the page. */
export async function likeScan(pool: Pool, userId: number, query: Query, limit: number): Promise<{ ms: number; ids: number[] }> {
  const t0 = performance.now();
  const [rows] = (await pool.query(LIKE_SQL(query.terms.length), [userId, ...query.terms.map((term) => `%${escapeLike(term)}%`), limit])) as unknown as [
    Array<{ id: number }>,
  ];
  return { ms: performance.now() - t0, ids: rows.map((row) => Number(row.id)) };
}

/** How MariaDB runs the LIKE query (EXPLAIN), one line per table. */
export async function likePlan(pool: Pool, userId: number, query: Query, limit: number): Promise<string> {
  try {
    const [rows] = (await pool.query(`EXPLAIN ${LIKE_SQL(query.terms.length)}`, [
      userId,
      ...query.terms.map((term) => `%${escapeLike(term)}%`),
      limit,
    ])) as unknown as [Array<{ table: string; type: string; key: string | null; rows: number }>];
    return rows.map((row) => `${row.table}: ${row.type}${row.key ? ` on ${row.key}` : ''}, ~${row.rows} rows`).join('; ');
  } catch (error) {
    return `n/a (${error instanceof Error ? error.message : String(error)})`;
  }
}
