import { defaultRateLimits, type RateLimit, type RateLimitName } from '@chorus/api';
import { z } from 'zod';

/** Schemas of the values environment variables hold (env.ts): lists, flags, limits, providers. */

export const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
/** `host:port,host:port`: a list of server addresses, at least one. */
export const hostPorts = csv.pipe(
  z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port')).min(1, 'needs at least one host:port'),
);
export const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const rateLimitNames = Object.keys(defaultRateLimits) as RateLimitName[];
/** `loginPerIp=60/900,registerPerIp=10/3600`: points per window in seconds, by limit name. */
export const rateLimits = z.string().transform((value, ctx) => {
  const overrides: Partial<Record<RateLimitName, RateLimit>> = {};
  for (const item of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^(\w+)=(\d+)\/(\d+)$/.exec(item);
    const name = match?.[1] as RateLimitName | undefined;
    if (!match || !name || !rateLimitNames.includes(name)) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not name=points/seconds with a name among ${rateLimitNames.join(', ')}` });
      return z.NEVER;
    }
    overrides[name] = { points: Number(match[2]), seconds: Number(match[3]) };
  }
  return overrides;
});

const ZSystemProvider = z.object({
  id: z.string().regex(/^[\w.-]{1,56}$/),
  label: z.string().min(1).max(100),
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1).max(200),
  apiKey: z.string().min(1),
  params: z
    .object({
      temperature: z.number().optional(),
      maxTokens: z.number().int().optional(),
      systemPrompt: z.string().optional(),
      imageModel: z.string().optional(),
      contextTokens: z.number().int().optional(),
    })
    .default({}),
});

/** Never echoes the value: it holds API keys. */
export function parseSystemProviders(value: string, ctx: z.RefinementCtx) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
  const result = z.array(ZSystemProvider).safeParse(parsed);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: `[${issue.path.join('.')}] ${issue.message}` });
  return z.NEVER;
}
