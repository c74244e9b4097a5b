// The Helm chart without helm: deploy/helm/render renders it with Helm's template engine (Go's
// text/template, Sprig, include/required/toYaml), and every manifest it makes is checked against
// the Kubernetes (and Prometheus Operator) schemas.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_GOPATH, ensureBinaries } from '@chorus/local-services';
import { repoRoot } from '@chorus/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { unknownFields, validateManifest, type Manifest } from './k8s-schemas';

const chart = join(repoRoot, 'deploy/helm/chorus');
const buildDir = join(repoRoot, '.data/helm-render');
const renderer = join(buildDir, 'render');
let valuesDir: string;

const inline = {
  database: { url: 'mysql://chorus:pw@mariadb:3306/chorus' },
  redis: { url: 'redis://:pw@redis:6379/0' },
  secrets: { AI_ENCRYPTION_KEYS: '1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', FILES_LINK_SECRET: 'x'.repeat(40), TURN_SECRET: 't'.repeat(20) },
};

beforeAll(async () => {
  await ensureBinaries(['go-templates']);
  mkdirSync(buildDir, { recursive: true });
  // GOPATH mode against Debian's packaged Sprig and sigs.k8s.io/yaml: no module download.
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: DEBIAN_GOPATH, GOCACHE: join(buildDir, 'cache'), GOFLAGS: '' };
  const build = spawnSync('go', ['build', '-o', renderer, './deploy/helm/render'], { cwd: repoRoot, env, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`go build failed: ${build.stderr}`);
  valuesDir = mkdtempSync(join(tmpdir(), 'chorus-helm-'));
  return () => rmSync(valuesDir, { recursive: true, force: true });
}, 300_000);

let files = 0;
/** `helm template` with these values over values.yaml: the manifests, or the error. */
function render(values: object): { status: number | null; stderr: string; manifests: Manifest[] } {
  const file = join(valuesDir, `values-${++files}.yaml`);
  writeFileSync(file, JSON.stringify(values));
  const result = spawnSync(renderer, ['-chart', chart, '-name', 'chat', '-namespace', 'chorus', '-f', file], { encoding: 'utf8' });
  const manifests = result.status === 0 ? parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Manifest) : [];
  return { status: result.status, stderr: result.stderr, manifests };
}

function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
}

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- manifests are checked by schema, then read loosely */
describe('deploy/helm/chorus', () => {
  it('renders valid Kubernetes manifests: Deployment, Service, Ingress, PDB, Secret, PVC, ServiceMonitor', () => {
    const { status, stderr, manifests } = render({ ...inline, metrics: { serviceMonitor: { enabled: true } } });
    expect(status, stderr).toBe(0);
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'Deployment',
      'Ingress',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'ServiceMonitor',
    ]);
    for (const manifest of manifests) expect(() => validateManifest(manifest), `${manifest.kind}`).not.toThrow();
    expect(unknownFields(manifests)).toEqual([]);
    expect(one(manifests, 'ServiceMonitor').spec).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics' }] });
  });

  it('probes /readyz and /healthz, drains within the grace period, runs as non-root, exposes metrics apart', () => {
    const { manifests } = render({ ...inline, shutdown: { timeoutSeconds: 20, preStopSleepSeconds: 5 } });
    const pod = one(manifests, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    const env = Object.fromEntries((container.env as Array<{ name: string; value?: string }>).map((entry) => [entry.name, entry.value]));
    expect(env).toMatchObject({ SHUTDOWN_TIMEOUT_MS: '20000', METRICS_PORT: '9464', PUBLIC_ORIGINS: 'https://chat.example.com', TRUST_PROXY: 'true' });
    // preStop, then the server's drain (2 × SHUTDOWN_TIMEOUT_MS) and its 15 s watchdog.
    expect(pod.terminationGracePeriodSeconds).toBe(5 + 2 * 20 + 15);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000 },
      { name: 'metrics', containerPort: 9464 },
    ]);
    const service = one(manifests, 'Service').spec;
    expect(service.ports.map((port: { name: string }) => port.name)).toEqual(['http', 'metrics']);
    const ingress = one(manifests, 'Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.port).toEqual({ name: 'http' });
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
    });
    expect(one(manifests, 'Secret').stringData).toEqual({
      DATABASE_URL: inline.database.url,
      REDIS_URL: inline.redis.url,
      AI_ENCRYPTION_KEYS: inline.secrets.AI_ENCRYPTION_KEYS,
      FILES_LINK_SECRET: inline.secrets.FILES_LINK_SECRET,
      TURN_SECRET: inline.secrets.TURN_SECRET,
    });
  });

  it('uses existing Secrets instead of making one', () => {
    const { status, stderr, manifests } = render({
      database: { existingSecret: 'db', existingSecretKey: 'url' },
      redis: { existingSecret: 'cache' },
      secrets: { existingSecret: 'chorus-secrets' },
    });
    expect(status, stderr).toBe(0);
    expect(manifests.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
    const deployment = one(manifests, 'Deployment');
    expect(() => validateManifest(deployment)).not.toThrow();
    expect(unknownFields(manifests)).toEqual([]);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ secretRef: { name: 'chorus-secrets' } }]);
    const refs = Object.fromEntries(
      (container.env as Array<{ name: string; valueFrom?: { secretKeyRef: unknown } }>)
        .filter((entry) => entry.valueFrom)
        .map((entry) => [entry.name, entry.valueFrom?.secretKeyRef]),
    );
    expect(refs).toEqual({ DATABASE_URL: { name: 'db', key: 'url' }, REDIS_URL: { name: 'cache', key: 'REDIS_URL' } });
    expect(deployment.spec.template.metadata).not.toHaveProperty('annotations');
  });

  it('stores files in S3 when asked, and without metrics has no metrics port or ServiceMonitor', () => {
    const { manifests } = render({
      ...inline,
      files: { storage: 's3', s3: { endpoint: 'https://s3.example.com', bucket: 'chorus-files', accessKeyId: 'AKID' } },
      metrics: { enabled: false, serviceMonitor: { enabled: true } },
    });
    for (const manifest of manifests) expect(() => validateManifest(manifest)).not.toThrow();
    expect(unknownFields(manifests)).toEqual([]);
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('PersistentVolumeClaim');
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('ServiceMonitor');
    const container = one(manifests, 'Deployment').spec.template.spec.containers[0];
    const env = Object.fromEntries((container.env as Array<{ name: string; value?: string }>).map((entry) => [entry.name, entry.value]));
    expect(env).toMatchObject({ FILES_STORAGE: 's3', S3_BUCKET: 'chorus-files', S3_ENDPOINT: 'https://s3.example.com', S3_ACCESS_KEY_ID: 'AKID' });
    expect(env).not.toHaveProperty('FILES_DIR');
    expect(env).not.toHaveProperty('METRICS_PORT');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
  });

  it('refuses to render without the database, the secrets, or with an unknown storage, naming the value', () => {
    const noDatabase = render({ ...inline, database: { url: '' } });
    expect(noDatabase.status).toBe(1);
    expect(noDatabase.stderr).toContain('database.url (mysql://...) or database.existingSecret is required');
    const noKeys = render({ ...inline, secrets: { AI_ENCRYPTION_KEYS: '' } });
    expect(noKeys.stderr).toContain('secrets.AI_ENCRYPTION_KEYS (or secrets.existingSecret) is required');
    const storage = render({ ...inline, files: { storage: 'nfs' } });
    expect(storage.stderr).toContain('files.storage must be pvc or s3');
  });

  it('has schemas that catch a broken manifest', () => {
    const { manifests } = render(inline);
    const deployment = structuredClone(one(manifests, 'Deployment'));
    deployment.spec.template.spec.containers[0].readinessProbe.httpGet.port = { name: 'http' };
    expect(() => validateManifest(deployment)).toThrow();
    const pdb = structuredClone(one(manifests, 'PodDisruptionBudget'));
    delete pdb.spec.selector;
    pdb.spec.minAvailable = [1];
    expect(() => validateManifest(pdb)).toThrow();
    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Unknown' })).toThrow(/no schema/);
    // A misspelt field passes the schemas but not the declarations.
    const typo = structuredClone(one(manifests, 'Deployment'));
    typo.spec.template.spec.containers[0].readinesProbe = typo.spec.template.spec.containers[0].readinessProbe;
    expect(() => validateManifest(typo)).not.toThrow();
    expect(unknownFields([typo])).toEqual([expect.stringMatching(/readinesProbe.*does not exist in type 'IContainer'/)]);
  });
});
