import { aiImages } from '@chorus/db';
import { and, eq } from 'drizzle-orm';
import { consumeOrThrow } from '../auth/rate-limits';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { TProviderRef } from './ai.schema';
import { providerAppError, providerErrorLogFields } from './providers/provider-errors';
import { defaultProviderRef, openClient, resolveProvider } from './providers/providers';

export const MAX_IMAGE_BYTES = 16 * 1024 * 1024 - 1;
export const AI_IMAGE_PATH = '/ai/images/';

export interface AiImageView {
  id: number;
  /** Fetch with the session (cookie or Bearer); only the owner may. */
  url: string;
  mimeType: string;
  size: string;
  createdAt: Date;
}

/** The image types we store, told by their first bytes (never by what the provider claims). */
export function sniffImageType(bytes: Buffer): string | null {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.subarray(0, 6).toString('latin1').startsWith('GIF8')) return 'image/gif';
  return null;
}

/** Some providers answer with a URL instead of bytes: fetched through the same guarded fetch, capped. */
async function download(deps: AppDeps, url: string): Promise<Buffer> {
  const response = await deps.ai.fetch(url, { signal: AbortSignal.timeout(deps.ai.settings.requestTimeoutMs) });
  if (!response.ok || !response.body) throw new AppError('AI_PROVIDER_ERROR', 'The provider failed', { details: { reason: 'upstream' } });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > MAX_IMAGE_BYTES) throw new AppError('AI_PROVIDER_ERROR', 'The image is too large', { details: { reason: 'upstream' } });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export async function generateImage(deps: AppDeps, userId: number, input: { prompt: string; size: string; configId?: TProviderRef }): Promise<AiImageView> {
  const provider = await resolveProvider(deps, userId, input.configId ?? (await defaultProviderRef(deps, userId)));
  await consumeOrThrow(deps.limiters.aiRequestsPerUser, String(userId));
  const model = provider.params.imageModel ?? provider.model;
  let bytes: Buffer;
  try {
    const client = openClient(deps, provider, deps.ai.settings.requestTimeoutMs * 4);
    const result = await client.images.generate({ model, prompt: input.prompt, size: input.size, n: 1, response_format: 'b64_json' });
    const first = result.data?.[0];
    if (first?.b64_json) bytes = Buffer.from(first.b64_json, 'base64');
    else if (first?.url) bytes = await download(deps, first.url);
    else throw new AppError('AI_PROVIDER_ERROR', 'The provider returned no image', { details: { reason: 'upstream' } });
  } catch (error) {
    if (error instanceof AppError) throw error;
    deps.logger.info({ ...providerErrorLogFields(error) }, 'ai image failed');
    throw providerAppError(error);
  }
  const mimeType = sniffImageType(bytes);
  if (!mimeType || bytes.length > MAX_IMAGE_BYTES)
    throw new AppError('AI_PROVIDER_ERROR', 'The provider returned something that is not an image', { details: { reason: 'upstream' } });
  const createdAt = deps.clock.now();
  const [result] = await deps.db.insert(aiImages).values({ userId, prompt: input.prompt, size: input.size, model, mimeType, bytes, createdAt });
  return { id: result.insertId, url: `${AI_IMAGE_PATH}${result.insertId}`, mimeType, size: input.size, createdAt };
}

/** The bytes of an image for its owner; anyone else gets null (answered as 404). */
export async function loadOwnImage(deps: AppDeps, userId: number, imageId: number): Promise<{ bytes: Buffer; mimeType: string } | null> {
  const [row] = await deps.db
    .select({ bytes: aiImages.bytes, mimeType: aiImages.mimeType })
    .from(aiImages)
    .where(and(eq(aiImages.id, imageId), eq(aiImages.userId, userId)))
    .limit(1);
  return row ?? null;
}
