/** A ceiling on calls per caller, so a pathologically fast path still ends by count. */
export const MAX_CALLS_PER_CALLER = 200_000;
/** Slack for the last calls after a window closes, before a stuck call fails the run. */
export const GRACE_MS = 30_000;
/** What `ipKey` gives for our clients: the server listens on 127.0.0.1. */
export const CLIENT_IP = '127.0.0.1';

export interface Account {
  id: number;
  email: string;
}
