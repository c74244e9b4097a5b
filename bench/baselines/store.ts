// What both baseline servers do to persist a message: one INSERT through a mysql2 pool into a
// table shaped like Chorus's `messages` (same primary key and the same two secondary indexes).
import type { Db } from '../lib/workspace';

export type Pool = Db['$client'];

export const BENCH_MESSAGES_DDL = `CREATE TABLE IF NOT EXISTS bench_messages (
  id bigint unsigned AUTO_INCREMENT NOT NULL,
  conversation_id bigint unsigned NOT NULL,
  sender_id bigint unsigned NOT NULL,
  client_id varchar(64) NOT NULL,
  kind varchar(16) NOT NULL,
  text text,
  created_at datetime(3) NOT NULL,
  PRIMARY KEY (id),
  KEY bench_messages_conversation_idx (conversation_id, id),
  UNIQUE KEY bench_messages_sender_client_uq (sender_id, client_id)
)`;

export interface StoredMessage {
  id: number;
  conversationId: number;
  senderId: number;
  clientId: string;
  kind: 'text';
  text: string;
  createdAt: string;
}

/** A message as the baselines receive it from a sender: conversation, client id, text. */
export interface IncomingMessage {
  c: number;
  k: string;
  t: string;
}

export function isIncoming(value: unknown): value is IncomingMessage {
  const msg = value as Partial<IncomingMessage> | null;
  return typeof msg?.c === 'number' && typeof msg.k === 'string' && typeof msg.t === 'string' && msg.k.length <= 64 && msg.t.length <= 4000;
}

export async function storeMessage(pool: Pool, senderId: number, msg: IncomingMessage): Promise<StoredMessage> {
  const createdAt = new Date();
  const [result] = await pool.execute('INSERT INTO bench_messages (conversation_id, sender_id, client_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    msg.c,
    senderId,
    msg.k,
    'text',
    msg.t,
    createdAt,
  ]);
  const insertId = (result as { insertId: number }).insertId;
  return { id: insertId, conversationId: msg.c, senderId, clientId: msg.k, kind: 'text', text: msg.t, createdAt: createdAt.toISOString() };
}

/** Who may send to a conversation and who receives it: fixed for a run, kept in memory. */
export interface Directory {
  /** conversation id -> member user ids */
  members: Map<number, number[]>;
}

export function conversationsByUser(directory: Directory): Map<number, number[]> {
  const byUser = new Map<number, number[]>();
  for (const [conversationId, members] of directory.members) {
    for (const userId of members) {
      const list = byUser.get(userId);
      if (list) list.push(conversationId);
      else byUser.set(userId, [conversationId]);
    }
  }
  return byUser;
}

export interface RunningBaseline {
  /** http://127.0.0.1:PORT */
  httpUrl: string;
  /** Base WebSocket URL; receivers add their user id. */
  url: string;
  receiverUrl(userId: number): string;
  close(): Promise<void>;
}
