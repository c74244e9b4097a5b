import type { AppDeps } from '../../deps';
import type { TProviderRef } from '../ai.schema';
import { classifyProviderError, providerErrorLogFields } from '../providers/provider-errors';
import { openClient, resolveProvider } from '../providers/providers';

export type ConfigTestResult = 'ok' | 'bad_key' | 'unreachable' | 'model_not_found' | 'rate_limited' | 'upstream_error';

/**
 * One tiny completion against the provider, to tell the user whether it works: one of their
 * configs, or a system provider (the operator's, which they may use too), tested alike.
 */
export async function testConfig(deps: AppDeps, userId: number, configId: TProviderRef): Promise<{ result: ConfigTestResult; latencyMs: number }> {
  const provider = await resolveProvider(deps, userId, configId);
  const client = openClient(deps, provider, deps.ai.settings.requestTimeoutMs);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    await client.chat.completions.create({ model: provider.model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
    return { result: 'ok', latencyMs: latency() };
  } catch (error) {
    deps.logger.info({ configId, ...providerErrorLogFields(error) }, 'ai config test failed');
    const failure = classifyProviderError(error);
    const result: ConfigTestResult =
      failure === 'provider_auth'
        ? 'bad_key'
        : failure === 'model_not_found'
          ? 'model_not_found'
          : failure === 'rate_limited'
            ? 'rate_limited'
            : failure === 'unreachable' || failure === 'timeout'
              ? 'unreachable'
              : 'upstream_error';
    return { result, latencyMs: latency() };
  }
}
