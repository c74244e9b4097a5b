import OpenAI from 'openai';
import type { z } from 'zod';
import { AppError } from '../../errors';
import type { ZAiFailureCode } from '../ai.outputs';

/** How a provider call failed, as clients see it. Never carries the provider's body. */
export type AiFailureCode = z.infer<typeof ZAiFailureCode>;

const messages: Record<AiFailureCode, string> = {
  provider_auth: 'The provider refused the API key',
  model_not_found: 'The provider does not know this model',
  rate_limited: 'The provider is rate limiting this key',
  timeout: 'The provider did not answer in time',
  unreachable: 'The provider could not be reached',
  upstream: 'The provider failed',
  interrupted: 'The generation was interrupted',
};

export function failureMessage(code: AiFailureCode): string {
  return messages[code];
}

/** Raised by our own watchdog when the provider goes quiet. */
export class ProviderTimeoutError extends Error {
  constructor() {
    super('provider timed out');
  }
}

/** Classifies an SDK (or watchdog) error; the error itself is never shown or logged whole. */
export function classifyProviderError(error: unknown): AiFailureCode {
  if (error instanceof ProviderTimeoutError || error instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) return 'provider_auth';
  if (error instanceof OpenAI.NotFoundError) return 'model_not_found';
  if (error instanceof OpenAI.RateLimitError) return 'rate_limited';
  if (error instanceof OpenAI.APIConnectionError) return 'unreachable';
  return 'upstream';
}

/** Safe facts for a log line: class name and HTTP status, nothing from the body or headers. */
export function providerErrorLogFields(error: unknown): { errorClass: string; status?: number } {
  const errorClass = error instanceof Error ? error.constructor.name : typeof error;
  const status = error instanceof OpenAI.APIError && typeof error.status === 'number' ? error.status : undefined;
  return status === undefined ? { errorClass } : { errorClass, status };
}

/** For procedures that call the provider synchronously (suggestions, images). */
export function providerAppError(error: unknown): AppError {
  const reason = classifyProviderError(error);
  const retryAfter = reason === 'rate_limited' ? 5 : undefined;
  return new AppError('AI_PROVIDER_ERROR', failureMessage(reason), { details: { reason }, retryAfter });
}
