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

function one(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind && (name === undefined || (manifest.metadata as { name?: string }).name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}

/** Whether a label selector's matchLabels all hold on these labels. */
function selects(selector: { matchLabels: Record<string, string> }, labels: Record<string, string>): boolean {
  return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value);
}

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- manifests are checked by schema, then read loosely */
describe('deploy/helm/chorus', () => {
  it('renders valid Kubernetes manifests: Deployment, Services, Ingress, PDB, Secret, PVC, ServiceMonitor, NetworkPolicy', () => {
    const { status, stderr, manifests } = render({ ...inline, metrics: { serviceMonitor: { enabled: true }, networkPolicy: { enabled: true } } });
    expect(status, stderr).toBe(0);
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'Deployment',
      'Ingress',
      'NetworkPolicy',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
      'Secret',
      'Service',
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
    expect(env).toMatchObject({
      SHUTDOWN_TIMEOUT_MS: '20000',
      METRICS_PORT: '9464',
      PUBLIC_ORIGINS: 'https://chat.example.com',
      PUBLIC_URL: 'https://chat.example.com',
      TRUST_PROXY: 'true',
    });
    // preStop, then the server's drain (2 × SHUTDOWN_TIMEOUT_MS) and its 15 s watchdog, then 5 s
    // for the last log lines: never exactly the watchdog's deadline.
    expect(pod.terminationGracePeriodSeconds).toBe(5 + 2 * 20 + 15 + 5);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000 },
      { name: 'metrics', containerPort: 9464 },
    ]);
    expect(one(manifests, 'Service', 'chat-chorus').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(one(manifests, 'Service', 'chat-chorus-metrics').spec.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics' }]);
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

  it('never publishes the metrics port on the public Service, whatever its type; the ServiceMonitor scrapes the ClusterIP one', () => {
    for (const type of ['ClusterIP', 'NodePort', 'LoadBalancer']) {
      const { status, stderr, manifests } = render({ ...inline, service: { type }, metrics: { serviceMonitor: { enabled: true } } });
      expect(status, stderr).toBe(0);
      for (const manifest of manifests) expect(() => validateManifest(manifest), `${manifest.kind}`).not.toThrow();
      expect(unknownFields(manifests)).toEqual([]);
      const main = one(manifests, 'Service', 'chat-chorus');
      expect(main.spec.type).toBe(type);
      expect(main.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
      const metrics = one(manifests, 'Service', 'chat-chorus-metrics');
      expect(metrics.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'metrics', port: 9464, targetPort: 'metrics' }] });
      expect(metrics.spec.selector).toEqual(main.spec.selector);
      const monitor = one(manifests, 'ServiceMonitor');
      expect(selects(monitor.spec.selector, metrics.metadata.labels)).toBe(true);
      expect(selects(monitor.spec.selector, main.metadata.labels)).toBe(false);
    }
  });

  it('lets only the monitoring namespaces reach the metrics port when the NetworkPolicy is on (it is off by default)', () => {
    expect(render(inline).manifests.map((manifest) => manifest.kind)).not.toContain('NetworkPolicy');
    const selector = { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } };
    const { status, stderr, manifests } = render({
      ...inline,
      metrics: { networkPolicy: { enabled: true, namespaceSelector: selector, podSelector: { matchLabels: { app: 'prometheus' } } } },
    });
    expect(status, stderr).toBe(0);
    const policy = one(manifests, 'NetworkPolicy');
    expect(() => validateManifest(policy)).not.toThrow();
    expect(unknownFields([policy])).toEqual([]);
    const pod = one(manifests, 'Deployment').spec.template.metadata.labels;
    expect(selects(policy.spec.podSelector, pod)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }] },
      { from: [{ namespaceSelector: selector, podSelector: { matchLabels: { app: 'prometheus' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] },
    ]);
    // Without metrics there is no port to guard.
    const off = render({ ...inline, metrics: { enabled: false, networkPolicy: { enabled: true } } });
    expect(off.manifests.map((manifest) => manifest.kind)).not.toContain('NetworkPolicy');
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
      secrets: { ...inline.secrets, S3_SECRET_ACCESS_KEY: 'k'.repeat(40) },
      files: { storage: 's3', s3: { endpoint: 'https://s3.example.com', bucket: 'chorus-files', accessKeyId: 'AKID' } },
      metrics: { enabled: false, serviceMonitor: { enabled: true } },
    });
    for (const manifest of manifests) expect(() => validateManifest(manifest)).not.toThrow();
    expect(unknownFields(manifests)).toEqual([]);
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('PersistentVolumeClaim');
    expect(manifests.map((manifest) => manifest.kind)).not.toContain('ServiceMonitor');
    expect(manifests.filter((manifest) => manifest.kind === 'Service').map((service) => service.metadata.name)).toEqual(['chat-chorus']);
    expect(one(manifests, 'Secret').stringData).toMatchObject({ S3_SECRET_ACCESS_KEY: 'k'.repeat(40) });
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
    // With S3, a chart-made Secret without the key would render and the pods crash-loop.
    const s3 = { storage: 's3', s3: { bucket: 'chorus-files', accessKeyId: 'AKID' } };
    const noS3Key = render({ ...inline, files: s3 });
    expect(noS3Key.status).toBe(1);
    expect(noS3Key.stderr).toContain('secrets.S3_SECRET_ACCESS_KEY (or secrets.existingSecret) is required with files.storage=s3');
    const noKeyId = render({
      ...inline,
      secrets: { ...inline.secrets, S3_SECRET_ACCESS_KEY: 'k'.repeat(40) },
      files: { ...s3, s3: { bucket: 'chorus-files' } },
    });
    expect(noKeyId.stderr).toContain('files.s3.accessKeyId is required with files.storage=s3');
    // A Secret of the operator's own holds the key: nothing to check here.
    const existing = render({ ...inline, secrets: { existingSecret: 'chorus-secrets' }, files: s3 });
    expect(existing.status, existing.stderr).toBe(0);
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
