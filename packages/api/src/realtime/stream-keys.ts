import { conversationTag, instanceTag, roomTag, userTag } from '../redis-keys';

// Names of the realtime keys and sharded channels. Each name carries the hash tag of what it
// belongs to, so every script touches one slot (stream-scripts.ts explains the layout).

/** A user's event stream, its head (id of the newest entry) and their live routes. */
export const userKeys = (userId: number | string) => {
  const prefix = `chorus:${userTag(Number(userId))}`;
  return { stream: `${prefix}:s`, head: `${prefix}:h`, positions: `${prefix}:cs`, routes: `${prefix}:r` };
};

/** A conversation's publish cursor, audience, last proposed id, bodies and pending appends. */
export const conversationKeys = (conversationId: number) => {
  const prefix = `chorus:${conversationTag(conversationId)}`;
  return {
    cursor: `${prefix}:pub`,
    members: `${prefix}:m`,
    lastId: `${prefix}:pid`,
    body: (seq: number) => `${prefix}:b:${seq}`,
    pending: (seq: number) => `${prefix}:p:${seq}`,
  };
};

/** A replayable event for chosen users: its dedupe marker holds its body. */
export const userEventKey = (dedupeKey: string) => `chorus:{e${dedupeKey}}:b`;

/** Where the deliveries for one instance's connections are sent. */
export const instanceChannel = (instanceId: string) => `chorus:${instanceTag(instanceId)}:ev`;

/** A room's head and its channels (persisted events, and live-only ones). */
export const roomKeys = (roomId: number) => {
  const prefix = `chorus:${roomTag(roomId)}`;
  return { head: `${prefix}:h`, channel: `${prefix}:ev`, ephemeral: `${prefix}:eph` };
};
