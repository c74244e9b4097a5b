import { router } from '../trpc';

/** One-to-one voice and video calls: Chorus relays the signaling, media goes peer to peer. */
export const callsRouter = router({});
