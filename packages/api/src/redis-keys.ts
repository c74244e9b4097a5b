// Hash tags: the part of a key in braces picks its Redis Cluster slot, so keys that one Lua
// script or MULTI touches together share one tag and the script runs on one node. Every Redis
// key and sharded channel of Chorus starts with `chorus:` and then one of these tags (or a tag
// of its own for a key that is only ever touched alone).

/** One user's keys: their event stream, its head, presence, live routes, sessions. */
export const userTag = (userId: number) => `{u${userId}}`;
/** One conversation's keys: publish cursor, audience, typing. */
export const conversationTag = (conversationId: number) => `{c${conversationId}}`;
/** One watch-together room's keys: live head, drift reports. */
export const roomTag = (roomId: number) => `{r${roomId}}`;
/** One AI generation's keys: token log, run marker, stop flag. */
export const generationTag = (messageId: number) => `{g${messageId}}`;
/** One server instance's keys and channels (where events for its connections are sent). */
export const instanceTag = (instanceId: string) => `{i${instanceId}}`;
/** One tus upload's keys and channel: its lock, and the request to let the lock go. */
export const uploadTag = (uploadId: string) => `{f${uploadId}}`;
