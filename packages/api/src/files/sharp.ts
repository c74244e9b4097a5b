import type { Sharp, SharpOptions } from 'sharp';

type SharpFactory = typeof import('sharp').default;

// sharp (and libvips behind it) takes about half a second to load: it is loaded by the first
// image a server reads, not by every process that imports the API.
let factory: Promise<SharpFactory> | undefined;

/** A sharp pipeline, as `sharp(options)`. */
export async function newSharp(options: SharpOptions): Promise<Sharp> {
  factory ??= import('sharp').then((module) => module.default);
  return (await factory)(options);
}
