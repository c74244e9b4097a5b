import { fileStatuses } from '@chorus/db';
import { z } from 'zod';
import { FILE_VARIANTS } from './signed-link';
import { zString } from '../strings';

const ZFileId = zString().regex(/^[\w-]{1,32}$/, 'Not a file id');

export const ZFileRef = z.object({ fileId: ZFileId });
export type TFileRef = z.infer<typeof ZFileRef>;

export const ZListFilesInput = z
  .object({
    /** `nextCursor` of the previous page. */
    cursor: zString()
      .regex(/^\d{1,15}_[\w-]{1,32}$/, 'Not a cursor of files.list')
      .optional(),
    limit: z.number().int().min(1).max(100).default(30),
  })
  .default({ limit: 30 });
export type TListFilesInput = z.infer<typeof ZListFilesInput>;

export const ZLinkInput = z.object({
  fileId: ZFileId,
  /** A derived image instead of the file itself. */
  variant: z.enum(FILE_VARIANTS).optional(),
});
export type TLinkInput = z.infer<typeof ZLinkInput>;

/** A file as its readers see it; `size` is the declared size until the upload completes. */
export const ZFileView = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number(),
  receivedBytes: z.number(),
  status: z.enum(fileStatuses),
  /** Sniffed from the content once complete (null before). */
  mimeType: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  ownerId: z.number(),
  createdAt: z.date(),
  completedAt: z.date().nullable(),
  hasThumbnail: z.boolean(),
});
export type FileView = z.infer<typeof ZFileView>;

/** The caller's finished uploads, newest first. */
export const ZFilePage = z.object({ items: z.array(ZFileView), nextCursor: z.string().nullable() });
export type FilePage = z.infer<typeof ZFilePage>;

export const ZOk = z.object({ ok: z.literal(true) });

export const ZFileLink = z.object({
  /** Relative to the server (`/files/:id?exp=…&sig=…`); works without headers until `expiresAt`. */
  url: z.string(),
  expiresAt: z.date(),
});
