// Validation of rendered manifests with the published Kubernetes OpenAPI schemas
// (kubernetes-models) and the Prometheus Operator's CRD schemas.
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/** A manifest as parsed from YAML; read loosely once its schema has passed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked by schema at run time
export type Manifest = { apiVersion: string; kind: string } & Record<string, any>;

interface Validatable {
  validate(): void;
}
const models: Record<string, new (data: never) => Validatable> = {
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** Throws when the manifest's kind has no schema here or the manifest breaks it. */
export function validateManifest(manifest: Manifest): void {
  const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}
