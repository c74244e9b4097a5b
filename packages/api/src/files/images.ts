import { pipeline } from 'node:stream/promises';
import type { Sharp } from 'sharp';
import { newSharp } from './sharp';
import type { FileStorage } from './storage';

export const THUMBNAIL_MAX = 320;
export const THUMBNAIL_MIME = 'image/webp';

export interface ImageFacts {
  width: number;
  height: number;
  thumbnail: { data: Buffer; width: number; height: number } | null;
}

/** Decoding stops here: a tiny file claiming gigapixels must not take the process down. */
const LIMIT_INPUT_PIXELS = 100_000_000;

/**
 * Dimensions (as displayed, EXIF orientation applied; one frame of an animation) and a WebP
 * thumbnail fitting inside 320×320, read from storage as streams. Null when sharp cannot
 * decode the image: the file stays downloadable, just without either.
 */
export async function readImageFacts(storage: FileStorage, key: string): Promise<ImageFacts | null> {
  try {
    const metadata = await run(storage, key, await newSharp({ limitInputPixels: LIMIT_INPUT_PIXELS }), (image) => image.metadata());
    const width = metadata.autoOrient?.width ?? metadata.width;
    const height = metadata.pageHeight && !metadata.autoOrient ? metadata.pageHeight : (metadata.autoOrient?.height ?? metadata.height);
    const { data, info } = await run(storage, key, await newSharp({ limitInputPixels: LIMIT_INPUT_PIXELS }), (image) =>
      image
        .autoOrient()
        .resize(THUMBNAIL_MAX, THUMBNAIL_MAX, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer({ resolveWithObject: true }),
    );
    return { width, height, thumbnail: { data, width: info.width, height: info.height } };
  } catch {
    return null;
  }
}

/** Streams the stored object into a sharp pipeline while `use` consumes its output. */
async function run<T>(storage: FileStorage, key: string, image: Sharp, use: (image: Sharp) => Promise<T>): Promise<T> {
  const feeding = pipeline(storage.createReadStream(key), image);
  const [, result] = await Promise.all([feeding, use(image)]);
  return result;
}
