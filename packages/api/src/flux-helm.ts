/**
 * Flux's `HelmRepository` (`source.toolkit.fluxcd.io/v1`, HTTP or OCI) and `HelmRelease`
 * (`helm.toolkit.fluxcd.io/v2`), read as-is: a HelmRelease becomes an Application rendering the
 * chart at its exact version with its values, as Argo CD renders a chart. Fields Trueup cannot
 * honour are errors naming them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { APPLICATION_API_VERSION, ApplicationSchema, type Application } from './application.ts';
import { FLUX_HELM_API_VERSION, FLUX_SOURCE_API_VERSION, fluxKey } from './flux.ts';
import { fieldError, validateDocument } from './validate.ts';
import type { ParsedDocument } from './yaml.ts';

function unsupported(message: string) {
  return z.unknown().refine((value) => value === undefined, { message }).optional();
}

/** An exact chart version; anything else in a HelmRelease's version is a range. */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const MetadataSchema = z.looseObject({ name: z.string().min(1), namespace: z.string().optional() });

export const FluxHelmRepositorySchema = z.looseObject({
  apiVersion: z.literal(FLUX_SOURCE_API_VERSION),
  kind: z.literal('HelmRepository'),
  metadata: MetadataSchema,
  spec: z.strictObject({
    url: z.string().regex(/^(https?|oci):\/\/.+/, { message: 'expected an http(s):// or oci:// URL' }),
    type: z.enum(['default', 'oci']).optional(),
    /** username and password, as files in the agent's Flux secrets folder. */
    secretRef: z.strictObject({ name: z.string().min(1) }).optional(),
    interval: z.string().optional(),
    timeout: z.string().optional(),
    suspend: z.boolean().optional(),
    passCredentials: z.boolean().optional(), // credentials go to the repository only
    provider: z.unknown().refine((value) => value === undefined || value === 'generic', { message: 'only the generic provider is supported' }).optional(),
    certSecretRef: unsupported('certSecretRef is not supported'),
    insecure: unsupported('insecure is not supported: a registry on loopback is spoken to over plain HTTP, any other over HTTPS'),
  }),
});

export type FluxHelmRepository = z.output<typeof FluxHelmRepositorySchema>;

const ValuesFromSchema = z.strictObject({
  kind: z.enum(['ConfigMap', 'Secret']),
  name: z.string().min(1),
  valuesKey: z.string().optional(),
  targetPath: z.string().optional(),
  optional: z.boolean().optional(),
});

const RemediationSchema = z.looseObject({ retries: z.number().int().min(-1).optional() });

const FluxHelmReleaseSchema = z.looseObject({
  apiVersion: z.literal(FLUX_HELM_API_VERSION),
  kind: z.literal('HelmRelease'),
  metadata: MetadataSchema,
  spec: z.strictObject({
    chart: z.strictObject({
      spec: z.strictObject({
        chart: z.string().min(1),
        version: z.string().optional(),
        sourceRef: z.strictObject({
          kind: z.unknown().refine((value) => value === 'HelmRepository', { message: 'only a HelmRepository source is supported' }),
          name: z.string().min(1),
          namespace: z.string().optional(),
          apiVersion: z.string().optional(),
        }),
        interval: z.string().optional(),
        reconcileStrategy: z.string().optional(),
        valuesFiles: z.array(z.string()).optional(),
        ignoreMissingValuesFiles: z.boolean().optional(),
        verify: unsupported('chart verification is not supported'),
      }),
    }).optional(),
    chartRef: unsupported('chartRef is not supported: name the chart with chart.spec and a HelmRepository'),
    interval: z.string(),
    releaseName: z.string().optional(),
    targetNamespace: z.string().optional(),
    storageNamespace: z.string().optional(), // no Helm release storage: objects are applied like any other
    install: z.looseObject({ remediation: RemediationSchema.optional(), createNamespace: z.boolean().optional(), crds: z.string().optional() }).optional(),
    upgrade: z.looseObject({ remediation: RemediationSchema.optional(), crds: z.string().optional() }).optional(),
    values: z.record(z.string(), z.unknown()).optional(),
    valuesFrom: z.array(ValuesFromSchema).optional(),
    dependsOn: z.array(z.strictObject({ name: z.string().min(1), namespace: z.string().optional() })).optional(),
    suspend: z.boolean().optional(),
    timeout: z.string().optional(),
    maxHistory: z.number().optional(), // no Helm release history: Trueup keeps its own
    driftDetection: z.looseObject({ mode: z.string().optional() }).optional(), // drift is always detected and healed
    test: z.looseObject({ enable: z.unknown().refine((value) => value !== true, { message: 'Helm tests are not run' }).optional() }).optional(),
    postRenderers: unsupported('postRenderers are not supported; patch the HelmRelease\'s values, or the chart\'s output through a Kustomization'),
    serviceAccountName: unsupported('serviceAccountName (impersonation) is not supported'),
    kubeConfig: unsupported('kubeConfig is not supported: the agent applies to its own cluster'),
    rollback: z.looseObject({}).optional(),
    uninstall: z.looseObject({}).optional(),
    persistentClient: z.boolean().optional(),
    commonMetadata: unsupported('commonMetadata is not supported'),
  }),
});

export function isFluxHelmRepository(value: unknown): boolean {
  return isKind(value, FLUX_SOURCE_API_VERSION, 'HelmRepository');
}

export function isFluxHelmRelease(value: unknown): boolean {
  return isKind(value, FLUX_HELM_API_VERSION, 'HelmRelease');
}

function isKind(value: unknown, apiVersion: string, kind: string): boolean {
  return typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion === apiVersion && (value as { kind?: unknown }).kind === kind;
}

export function parseFluxHelmRepository(doc: ParsedDocument, file: string): FluxHelmRepository {
  const repository = validateDocument(FluxHelmRepositorySchema, doc, file);
  if ((repository.spec.type === 'oci') !== repository.spec.url.startsWith('oci://')) {
    throw fieldError(doc, file, ['spec', 'type'], repository.spec.type === 'oci' ? 'type oci needs an oci:// url' : 'an oci:// url needs type: oci');
  }
  return repository;
}

/** Flux's shortening of a default release name longer than Helm's 53 characters: 40 of them, `-` and 12 hex digits of its SHA-256. */
export function shortenReleaseName(name: string): string {
  if (name.length <= 53) return name;
  return `${name.slice(0, 40)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

export interface FluxHelmRelease {
  application: Application;
  source: FluxHelmRepository;
}

/** Our Application for a HelmRelease; errors name the Flux field, file and line. */
export function fromFluxHelmRelease(doc: ParsedDocument, file: string, sources: ReadonlyMap<string, FluxHelmRepository>): FluxHelmRelease {
  const { metadata, spec } = validateDocument(FluxHelmReleaseSchema, doc, file);
  const chart = spec.chart?.spec;
  if (chart === undefined) throw fieldError(doc, file, ['spec', 'chart'], 'required field is missing (chart.spec)');
  const namespace = metadata.namespace ?? 'flux-system';
  const source = sources.get(fluxKey(chart.sourceRef.namespace ?? namespace, chart.sourceRef.name));
  if (source === undefined) {
    throw fieldError(doc, file, ['spec', 'chart', 'spec', 'sourceRef', 'name'], `HelmRepository ${chart.sourceRef.namespace ?? namespace}/${chart.sourceRef.name} is not declared beside this HelmRelease or in the tree it comes from`);
  }
  const target = spec.targetNamespace ?? namespace;
  const retries = Math.max(spec.install?.remediation?.retries ?? 0, spec.upgrade?.remediation?.retries ?? 0);
  const converted = {
    apiVersion: APPLICATION_API_VERSION,
    kind: 'Application',
    metadata: { name: metadata.name },
    spec: {
      source: {
        repoURL: source.spec.url.replace(/\/+$/, ''),
        chart: chart.chart,
        // Flux's version is a semver range ("*" when absent): the highest version in it, followed as versions are published.
        ref: chart.version !== undefined && EXACT_VERSION.test(chart.version) ? chart.version : `semver:${chart.version ?? '*'}`,
        helm: {
          // Flux's default release name: the target namespace and the name, when they differ.
          releaseName: spec.releaseName ?? shortenReleaseName(spec.targetNamespace === undefined || spec.targetNamespace === namespace ? metadata.name : `${spec.targetNamespace}-${metadata.name}`),
          namespace: target,
          valueFiles: chart.valuesFiles ?? [],
          ignoreMissingValueFiles: chart.ignoreMissingValuesFiles ?? false,
          valuesFrom: (spec.valuesFrom ?? []).map((from) => ({ ...from, namespace })),
          ...(spec.values === undefined ? {} : { valuesObject: spec.values }),
          skipCrds: spec.install?.crds === 'Skip',
        },
      },
      destination: { kubernetes: { namespace: target } },
      syncPolicy: {
        ...(spec.suspend === true || source.spec.suspend === true ? {} : { automated: { prune: true, selfHeal: true } }),
        interval: spec.interval,
        // install/upgrade remediation retries: how often a failed sync is retried.
        retry: { limit: retries },
        ...(spec.install?.createNamespace === true ? { syncOptions: ['CreateNamespace=true'] } : {}),
        ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
      },
      dependsOn: (spec.dependsOn ?? []).map((dependency) => dependency.name),
    },
  };
  const result = ApplicationSchema.safeParse(converted);
  if (result.success) return { application: result.data, source };
  const issue = result.error.issues[0];
  const ours = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol');
  const where = ours[2] === 'ref' ? ['spec', 'chart', 'spec', 'version'] : ours[2] === 'helm' ? ['spec', 'values'] : ours[1] === 'syncPolicy' ? ['spec', String(ours[2] ?? 'interval')] : ['spec'];
  const message = issue?.message ?? 'invalid HelmRelease';
  throw fieldError(doc, file, where, message);
}
