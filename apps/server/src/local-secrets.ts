import type { Env } from './env';

/**
 * Whether a missing server secret may be generated and kept under LOCAL_DATA_DIR: outside
 * production, and also when the server runs its own private database there (a local trial
 * such as the quick start's `npm start`), since the secret then lives beside the data it
 * protects. A production server with a real database must be given its secrets.
 */
export function secretsMayLiveWithLocalData(env: Env): boolean {
  return env.NODE_ENV !== 'production' || env.DATABASE_URL === undefined;
}
