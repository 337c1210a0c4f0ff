/**
 * Argo CD's `Application` (`argoproj.io/v1alpha1`), read as-is and turned into ours, so existing
 * repositories run unchanged. Fields with no effect on what is deployed (project, info,
 * revisionHistoryLimit, finalizers) are accepted and ignored; fields we cannot honour (several
 * rendered sources, plugins, a chart version range) are errors that say so. `sources` works as
 * one rendered source with `ref:` sources for its Helm values files (`$values/…`).
 * The destination is the cluster the agent runs in: an agent holds only its own credentials.
 */
import { z } from 'zod';
import { APPLICATION_API_VERSION, type Application, ApplicationSchema } from './application.ts';
import { fieldError, validateDocument } from './validate.ts';
import type { ParsedDocument } from './yaml.ts';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** A field we cannot honour: absent, or an error saying why. */
function unsupported(message: string) {
  return z.unknown().refine((value) => value === undefined, { message }).optional();
}

/** Helm options: each one honoured, without effect here, or refused. Unknown fields are errors. */
const ArgoHelmSchema = z.strictObject({
  releaseName: z.string().optional(),
  valueFiles: z.array(z.string()).optional(),
  values: z.string().optional(),
  valuesObject: z.record(z.string(), z.unknown()).optional(),
  parameters: z.array(z.looseObject({ name: z.string(), value: z.string().optional(), forceString: z.boolean().optional() })).optional(),
  ignoreMissingValueFiles: z.boolean().optional(),
  skipCrds: z.boolean().optional(),
  namespace: z.string().optional(),
  kubeVersion: z.string().optional(),
  apiVersions: z.array(z.string()).optional(),
  skipSchemaValidation: z.boolean().optional(),
  skipTests: z.boolean().optional(), // test hooks are always left out
  passCredentials: z.boolean().optional(), // credentials go to the chart's repository only
  version: z.string().optional(), // Helm 3 is the only one
  fileParameters: unsupported('helm fileParameters are not supported; put the file\'s content in valueFiles or values'),
});

/** Kustomize options, the same way. */
const ArgoKustomizeSchema = z.strictObject({
  namePrefix: z.string().optional(),
  nameSuffix: z.string().optional(),
  images: z.array(z.string()).optional(),
  commonLabels: z.record(z.string(), z.string()).optional(),
  commonAnnotations: z.record(z.string(), z.string()).optional(),
  namespace: z.string().optional(),
  replicas: z.array(z.looseObject({ name: z.string(), count: z.union([z.number(), z.string()]) })).optional(),
  patches: z.array(z.looseObject({
    path: unsupported('kustomize patches from a file are not supported; write the patch inline (patch:) or in the kustomization in Git'),
    patch: z.string().optional(),
    target: z.record(z.string(), z.string()).optional(),
    options: z.record(z.string(), z.boolean()).optional(),
  })).optional(),
  version: z.string().optional(), // the pinned kustomize runs
  components: z.array(z.string().min(1)).optional(),
  forceCommonLabels: unsupported('forceCommonLabels is not supported; use commonLabels'),
  forceCommonAnnotations: unsupported('forceCommonAnnotations is not supported; use commonAnnotations'),
  commonAnnotationsEnvsubst: unsupported('commonAnnotationsEnvsubst is not supported'),
  labelWithoutSelector: unsupported('labelWithoutSelector is not supported; set labels in the kustomization in Git'),
  kubeVersion: unsupported('kustomize kubeVersion is not supported'),
  apiVersions: unsupported('kustomize apiVersions are not supported'),
});

const argoSourceFields = {
  repoURL: z.string(),
  plugin: unsupported('config management plugins are not supported; render to YAML in Git, or use Helm or Kustomize'),
  name: z.string().optional(),
  targetRevision: z.string().optional(),
  path: z.string().optional(),
  chart: z.string().optional(),
  helm: ArgoHelmSchema.optional(),
  kustomize: ArgoKustomizeSchema.optional(),
  directory: z.strictObject({
    recurse: z.boolean().optional(),
    include: z.string().optional(),
    exclude: z.string().optional(),
    jsonnet: z.strictObject({
      extVars: z.array(z.looseObject({ name: z.string(), value: z.string(), code: z.boolean().optional() })).optional(),
      tlas: z.array(z.looseObject({ name: z.string(), value: z.string(), code: z.boolean().optional() })).optional(),
      libs: z.array(z.string()).optional(),
    }).optional(),
  }).optional(),
};

const ArgoApplicationSchema = z.looseObject({
  apiVersion: z.literal(ARGO_API_VERSION),
  kind: z.literal('Application'),
  metadata: z.looseObject({ name: z.string(), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({
    source: z.strictObject(argoSourceFields).optional(),
    sources: z.array(z.strictObject({ ...argoSourceFields, ref: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'expected a name of letters, digits, - and _' }).optional() })).optional(),
    destination: z.looseObject({ server: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() }),
    syncPolicy: z.looseObject({
      automated: z.looseObject({ prune: z.boolean().optional(), selfHeal: z.boolean().optional(), allowEmpty: z.boolean().optional(), enabled: z.boolean().optional() }).optional(),
      syncOptions: z.array(z.string()).optional(),
      managedNamespaceMetadata: z.looseObject({ labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(),
      retry: z.looseObject({
        limit: z.number().int().optional(),
        backoff: z.looseObject({ duration: z.string().optional(), factor: z.number().optional(), maxDuration: z.string().optional() }).optional(),
      }).optional(),
    }).optional(),
    /** Not Argo CD's: Trueup's SOPS option, the same on every kind of Application. */
    decryption: z.strictObject({ provider: z.literal('sops'), ageKeyFiles: z.array(z.string()).optional() }).optional(),
    ignoreDifferences: z.array(z.looseObject({
      group: z.string().optional(),
      kind: z.string(),
      name: z.string().optional(),
      namespace: z.string().optional(),
      jsonPointers: z.array(z.string()).optional(),
      managedFieldsManagers: z.array(z.string()).optional(),
      jqPathExpressions: z.array(z.string()).optional(),
    })).optional(),
  }),
});

export function isArgoApplication(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion === ARGO_API_VERSION && (value as { kind?: unknown }).kind === 'Application';
}

/** Our Application for an Argo CD one; errors name the Argo field, file and line. */
export function fromArgoApplication(doc: ParsedDocument, file: string): Application {
  const argo = validateDocument(ArgoApplicationSchema, doc, file);
  const { destination, syncPolicy, ignoreDifferences } = argo.spec;
  const { source, at, refSources } = renderedSource(argo.spec, doc, file);
  const automated = syncPolicy?.automated;
  const converted = {
    apiVersion: APPLICATION_API_VERSION,
    kind: 'Application',
    metadata: { name: argo.metadata.name, ...pick(argo.metadata, ['labels', 'annotations']) },
    spec: {
      source: {
        // Argo CD names an OCI Helm registry without a scheme (`registry.example.com/charts`).
        repoURL: source.chart !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source.repoURL) ? `oci://${source.repoURL}` : withScheme(source.repoURL),
        ref: chartRevision(source.chart, source.targetRevision),
        path: source.path ?? '.',
        ...(source.helm === undefined ? {} : { helm: pick(source.helm, ['releaseName', 'valueFiles', 'values', 'valuesObject', 'parameters', 'ignoreMissingValueFiles', 'skipCrds', 'namespace', 'kubeVersion', 'apiVersions', 'skipSchemaValidation']) }),
        ...(source.kustomize === undefined ? {} : { kustomize: pick(source.kustomize, ['namePrefix', 'nameSuffix', 'images', 'commonLabels', 'commonAnnotations', 'namespace', 'replicas', 'patches', 'components']) }),
        // A chart from a Helm repository; else a folder, which Argo CD reads without its subfolders unless told to recurse.
        ...(source.chart === undefined
          ? { directory: { recurse: source.directory?.recurse ?? false, ...pick(source.directory ?? {}, ['include', 'exclude']), ...jsonnetOf(source.directory?.jsonnet) } }
          : { chart: source.chart }),
        ...(refSources.length === 0 ? {} : { refSources }),
      },
      destination: { kubernetes: destination.namespace === undefined || destination.namespace === '' ? {} : { namespace: destination.namespace } },
      syncPolicy: {
        ...(automated === undefined || automated.enabled === false ? {} : { automated: pick(automated, ['prune', 'selfHeal', 'allowEmpty']) }),
        ...(syncPolicy?.syncOptions === undefined ? {} : { syncOptions: syncPolicy.syncOptions }),
        ...(syncPolicy?.managedNamespaceMetadata === undefined ? {} : { managedNamespaceMetadata: pick(syncPolicy.managedNamespaceMetadata, ['labels', 'annotations']) }),
        ...(syncPolicy?.retry === undefined ? {} : { retry: { ...pick(syncPolicy.retry, ['limit']), ...(syncPolicy.retry.backoff === undefined ? {} : { backoff: pick(syncPolicy.retry.backoff, ['duration', 'factor', 'maxDuration']) }) } }),
      },
      ignoreDifferences: (ignoreDifferences ?? []).map((rule) => pick(rule, ['group', 'kind', 'name', 'namespace', 'jsonPointers', 'managedFieldsManagers', 'jqPathExpressions'])),
      ...(argo.spec.decryption === undefined ? {} : { decryption: { provider: 'sops', ageKeyFiles: argo.spec.decryption.ageKeyFiles ?? [] } }),
    },
  };
  const result = ApplicationSchema.safeParse(converted);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Named as in the Argo CD file: our `ref` is its `targetRevision`.
  const ours = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol').map((p, i, all) => (p === 'ref' && all[i - 1] === 'source' ? 'targetRevision' : p));
  // `spec.source…` of ours is where the rendered source sits in the Argo CD file.
  const path = ours[0] === 'spec' && ours[1] === 'source' ? [...at, ...ours.slice(2)] : ours;
  throw fieldError(doc, file, path, issue?.message ?? 'invalid Application');
}

type ArgoSpec = z.output<typeof ArgoApplicationSchema>['spec'];
type ArgoSource = NonNullable<ArgoSpec['source']>;

/**
 * The one source rendered, where it is in the file, and the `ref:` sources beside it. Several
 * sources work when exactly one is rendered and the others (with `ref:`) only provide files for
 * its Helm values (`$values/…`); several rendered sources are refused.
 */
function renderedSource(spec: ArgoSpec, doc: ParsedDocument, file: string): { source: ArgoSource; at: (string | number)[]; refSources: { name: string; repoURL: string; ref: string }[] } {
  const { source, sources } = spec;
  if (sources === undefined || sources.length === 0) {
    if (source === undefined) throw fieldError(doc, file, ['spec', 'source'], 'required field is missing (source or sources)');
    return { source, at: ['spec', 'source'], refSources: [] };
  }
  if (source !== undefined) throw fieldError(doc, file, ['spec', 'source'], 'give source or sources, not both');
  const rendered = sources.flatMap((item, index) => (item.ref === undefined ? [index] : []));
  if (rendered.length !== 1) {
    throw fieldError(doc, file, ['spec', 'sources'], rendered.length === 0
      ? 'no source to render: every source has ref; one source without ref is rendered'
      : `sources ${rendered.join(' and ')} are both rendered; several rendered sources are not supported: keep one, and give the others ref: to use their files in Helm values`);
  }
  const refSources = sources.flatMap((item, index) => {
    if (item.ref === undefined) return [];
    for (const field of ['path', 'chart', 'helm', 'kustomize', 'directory'] as const) {
      if (item[field] !== undefined) throw fieldError(doc, file, ['spec', 'sources', index, field], `a ref source provides files for $${item.ref}/… values; ${field} would render it as well, and several rendered sources are not supported`);
    }
    return [{ name: item.ref, repoURL: withScheme(item.repoURL), ref: item.targetRevision === undefined || item.targetRevision === '' ? 'HEAD' : item.targetRevision }];
  });
  const index = rendered[0]!;
  const { ref: _ref, ...only } = sources[index]!;
  return { source: only, at: ['spec', 'sources', index], refSources };
}

/** `directory.jsonnet` as ours: the same fields, each variable's `code` false unless set. */
function jsonnetOf(jsonnet: { extVars?: JsonnetVar[] | undefined; tlas?: JsonnetVar[] | undefined; libs?: string[] | undefined } | undefined) {
  if (jsonnet === undefined) return {};
  const vars = (list: JsonnetVar[] | undefined) => (list ?? []).map(({ name, value, code }) => ({ name, value, code: code ?? false }));
  return { jsonnet: { extVars: vars(jsonnet.extVars), tlas: vars(jsonnet.tlas), libs: jsonnet.libs ?? [] } };
}

interface JsonnetVar { name: string; value: string; code?: boolean | undefined }

/** Argo CD accepts scp-like Git addresses (`git@host:org/repo.git`); ours are URLs. */
function withScheme(repoURL: string): string {
  const scp = /^([^@/:]+)@([^:/]+):(?!\/)(.+)$/.exec(repoURL);
  return scp === null ? repoURL : `ssh://${scp[1]}@${scp[2]}/${scp[3]}`;
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) picked[key] = value[key];
  return picked;
}

/** An exact chart version (`1.2.3`, `v1.2.3-rc.1`). */
const EXACT_CHART_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Our ref for an Argo CD `targetRevision`. For a chart, a version constraint (`1.2.*`, `>=1.0
 * <2.0`) is followed as Argo CD follows it: the highest version in the range (`semver:` ref).
 */
function chartRevision(chart: string | undefined, targetRevision: string | undefined): string {
  const revision = targetRevision === undefined || targetRevision === '' ? 'HEAD' : targetRevision;
  if (chart === undefined || EXACT_CHART_VERSION.test(revision) || revision.startsWith('semver:')) return revision;
  return `semver:${revision === 'HEAD' ? '*' : revision}`;
}
