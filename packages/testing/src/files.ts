// Helpers for file tests: the real tus client, raw tus requests, generated images, hashes.
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import * as tus from 'tus-js-client';

export { tus };

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of random noise: it barely compresses, so its size is about width × height × 3. */
export function noisePng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) randomBytes(width * 3).copy(rows, y * (width * 3 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const encodeMetadata = (metadata: Record<string, string>) =>
  Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

/** POST /files/ by hand (what any tus client sends first). */
export function createTusUpload(
  serverUrl: string,
  options: { token?: string; length?: number; deferLength?: boolean; metadata?: Record<string, string>; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { 'Tus-Resumable': '1.0.0', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.length !== undefined) headers['Upload-Length'] = String(options.length);
  if (options.deferLength) headers['Upload-Defer-Length'] = '1';
  if (options.metadata) headers['Upload-Metadata'] = encodeMetadata(options.metadata);
  return fetch(`${serverUrl}/files/`, { method: 'POST', headers });
}

/** One PATCH by hand. */
export function patchTusUpload(uploadUrl: string, options: { token?: string; offset: number; body: Uint8Array }) {
  const headers: Record<string, string> = {
    'Tus-Resumable': '1.0.0',
    'Upload-Offset': String(options.offset),
    'Content-Type': 'application/offset+octet-stream',
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return fetch(uploadUrl, { method: 'PATCH', headers, body: options.body });
}

export interface TusUploadOptions {
  token: string;
  filename?: string;
  filetype?: string;
  chunkSize?: number;
  uploadUrl?: string;
  /** Offsets of the PATCH requests sent, in order. */
  patchOffsets?: number[];
  onProgress?: (sent: number, total: number) => void;
}

/** Uploads `data` with tus-js-client to `<serverUrl>/files/` and resolves with the upload URL and file id. */
export function uploadWithTus(serverUrl: string, data: Buffer, options: TusUploadOptions): Promise<{ url: string; fileId: string }> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(data, {
      endpoint: `${serverUrl}/files/`,
      uploadUrl: options.uploadUrl ?? null,
      headers: { authorization: `Bearer ${options.token}` },
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      metadata: { filename: options.filename ?? 'file.bin', filetype: options.filetype ?? 'application/octet-stream' },
      retryDelays: [],
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') options.patchOffsets?.push(Number(req.getHeader('Upload-Offset')));
      },
      onProgress: options.onProgress ?? null,
      onError: reject,
      onSuccess: () => resolve({ url: upload.url!, fileId: upload.url!.split('/').pop()! }),
    });
    upload.start();
  });
}

/** Width, height and format of an image, as a client decoding it would see them. */
export async function imageInfo(data: Buffer): Promise<{ width: number; height: number; format: string }> {
  const { default: sharp } = await import('sharp');
  const metadata = await sharp(data).metadata();
  return { width: metadata.width, height: metadata.height, format: metadata.format };
}
