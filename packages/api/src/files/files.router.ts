import { router } from '../trpc';

/** Files: metadata and signed links (uploads go through tus at /files/, downloads are GET /files/:id). */
export const filesRouter = router({});
