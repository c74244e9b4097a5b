import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const SDK = /@opentelemetry\/(sdk-trace-base|exporter-trace-otlp-http|resources)\//;

/**
 * A fresh process that imports this package and makes a logger, as every process does, then
 * starts tracing. A module hook records every module resolved through imports, and `require.cache`
 * what was required: the SDK's modules seen before and after `startTracing`.
 */
const script = `
import { register, createRequire } from 'node:module';
const resolved = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => resolved.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    port.postMessage(result.url);
    return result;
  }
\`), { data: { port: port2 }, transferList: [port2] });
const sdk = ${SDK.toString()};
const loaded = async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  const required = Object.keys(createRequire(process.cwd() + '/').cache);
  return [...resolved, ...required].filter((url) => sdk.test(url));
};
const runtime = await import('./src/index.ts');
runtime.createLogger({ LOG_LEVEL: 'silent', NODE_ENV: 'production' });
const before = await loaded();
const tracing = runtime.startTracing({ endpoint: 'http://127.0.0.1:9', sampleRatio: 0 });
await tracing.shutdown();
console.log(JSON.stringify({ before, after: await loaded() }));
`;

describe('loading the tracing SDK', () => {
  it('happens when tracing starts, not when the package or its logger is loaded', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '' },
    });
    const { before, after } = JSON.parse(stdout.trim().split('\n').pop()!) as { before: string[]; after: string[] };
    expect(before).toEqual([]);
    expect(after.some((url) => url.includes('@opentelemetry/sdk-trace-base/'))).toBe(true);
    expect(after.some((url) => url.includes('@opentelemetry/exporter-trace-otlp-http/'))).toBe(true);
  }, 30_000);
});
