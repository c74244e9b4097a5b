import { authedProcedure, router } from '../trpc';
import { ZFileLink, ZFileRef, ZFileView, ZLinkInput } from './files.schema';
import { getFile, linkFile } from './files.service';

/** Files: metadata and signed links (uploads go through tus at /files/, downloads are GET /files/:id). */
export const filesRouter = router({
  get: authedProcedure.input(ZFileRef).output(ZFileView).query(({ ctx, input }) => getFile(ctx.deps, ctx.user.id, input.fileId)),
  link: authedProcedure.input(ZLinkInput).output(ZFileLink).mutation(({ ctx, input }) => linkFile(ctx.deps, ctx.user.id, input)),
});
