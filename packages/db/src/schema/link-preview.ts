import { z } from 'zod';

/**
 * A link's preview as a message's `preview` JSON column holds it and as clients see it: made by
 * the server from the page's Open Graph, Twitter or `<title>` metadata after the message was
 * sent. `imageFileId` names a file the server stored (readers never contact the linked site).
 */
export const ZLinkPreview = z.object({
  /** The page the metadata came from (after redirects). */
  url: z.string().min(1).max(2048),
  title: z.string().max(300).nullable(),
  description: z.string().max(1000).nullable(),
  siteName: z.string().max(200),
  imageFileId: z.string().min(1).max(64).optional(),
});
export type TLinkPreview = z.infer<typeof ZLinkPreview>;
