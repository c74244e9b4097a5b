/**
 * Recognises the failures ioredis reports while Redis is unreachable or changing hands (a
 * Sentinel failover, a Cluster electing a new primary for a slot, every node gone): a request
 * that met one may succeed when the client tries again, so it is answered UNAVAILABLE with a
 * `retryAfter` (see error-formatter.ts) rather than as an internal error. Errors that say the
 * command itself is wrong (WRONGTYPE, CROSSSLOT, NOSCRIPT, a script's own error) are not these.
 */

/** Error classes ioredis raises when it gave up reaching a node or the cluster. */
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** Messages of the plain errors ioredis rejects queued and new commands with. */
const UNAVAILABLE_MESSAGES = [
  'Connection is closed.',
  'None of startup nodes is available',
  'Failed to refresh slots cache.',
  "Stream isn't writeable and enableOfflineQueue options is false",
  "Cluster isn't ready and enableOfflineQueue options is false",
  'Cluster is disconnected.',
  'Too many Cluster redirections.',
  'All sentinels are unreachable',
  'Command timed out',
  'Socket timeout.',
];

/**
 * Server replies that mean "not now": a cluster without a primary for the slot (CLUSTERDOWN),
 * a slot being moved (TRYAGAIN), a replica promoted or demoted under the connection
 * (READONLY, MASTERDOWN), a node still loading its data (LOADING).
 */
const UNAVAILABLE_REPLIES = /^(CLUSTERDOWN|TRYAGAIN|READONLY|MASTERDOWN|LOADING)\b/;

/** True when `error` (or an error in its cause chain) says Redis is unreachable for now. */
export function isRedisUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (isUnavailableItself(current)) return true;
  }
  return false;
}

function isUnavailableItself(error: Error): boolean {
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  const { message } = error;
  if (UNAVAILABLE_MESSAGES.some((known) => message.startsWith(known))) return true;
  return error.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(message);
}
