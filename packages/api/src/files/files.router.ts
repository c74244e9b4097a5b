import { authedProcedure, router } from '../trpc';
import { ZFileLink, ZFilePage, ZFileRef, ZFileView, ZLinkInput, ZListFilesInput, ZOk } from './files.schema';
import { deleteFile, getFile, linkFile, listFiles } from './files.service';

/** Files: metadata, signed links, the caller's uploads (uploads go through tus at /files/, downloads are GET /files/:id). */
export const filesRouter = router({
  get: authedProcedure
    .input(ZFileRef)
    .output(ZFileView)
    .query(({ ctx, input }) => getFile(ctx.deps, ctx.user.id, input.fileId)),
  link: authedProcedure
    .input(ZLinkInput)
    .output(ZFileLink)
    .mutation(({ ctx, input }) => linkFile(ctx.deps, ctx.user.id, input)),
  list: authedProcedure
    .input(ZListFilesInput)
    .output(ZFilePage)
    .query(({ ctx, input }) => listFiles(ctx.deps, ctx.user.id, input)),
  delete: authedProcedure
    .input(ZFileRef)
    .output(ZOk)
    .mutation(({ ctx, input }) => deleteFile(ctx.deps, ctx.user.id, input)),
});
