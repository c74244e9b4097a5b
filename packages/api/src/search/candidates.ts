import { messages, queryArrays, tableReader, type Db, type ReactionPair, type TMessageRow } from '@chorus/db';
type Pool = Db['$client'];

/** A match of the index with the message's current row and its reactions. */
export interface Candidate {
  id: number;
  /** The text_version the index row was written for. */
  version: number;
  /** Null when the message row is gone. */
  row: TMessageRow | null;
  reactions: ReactionPair[];
}

const messageReader = tableReader(messages);
const REACTIONS = '(select json_arrayagg(json_array(r.emoji, r.user_id) order by r.created_at) from message_reactions r where r.message_id = m.id)';

/**
 * The index statement's matches (`indexSql`: columns `id` and `version`, newest first), each
 * with its message's current row and reactions, in one statement: the index query is a derived
 * table left-joined to `messages` by primary key. Mroonga still sorts and limits inside Groonga for a
 * derived table whose SELECT reads the index table alone, so this costs one round trip where
 * reading the index, the rows and the reactions in turn took three. Every match of the index statement
 * comes back, so the caller can tell a full page of matches from the last one.
 */
export async function readCandidates(pool: Pool, indexSql: string): Promise<Candidate[]> {
  const rows = await queryArrays(
    pool,
    `select s.id, s.version, ${messageReader.selectList('m')}, ${REACTIONS} from (${indexSql}) s left join messages m on m.id = s.id order by s.id desc`,
  );
  return rows.map((row) => ({
    id: Number(row[0]),
    version: Number(row[1]),
    // The first column of messages is its id: null when the left join found no row.
    row: row[2] === null ? null : messageReader.read(row, 2),
    reactions: reactionPairs(row[2 + messageReader.width]),
  }));
}

/** mysql2 parses a JSON value; MariaDB's JSON is text, so there it comes as a string to parse. */
function reactionPairs(value: unknown): ReactionPair[] {
  if (!value) return [];
  return (typeof value === 'string' ? JSON.parse(value) : value) as ReactionPair[];
}
