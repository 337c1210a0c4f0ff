/** The Application resource (`trueup.dev/v1alpha1`). Field names follow Argo CD where they mean the same. */
import semver from 'semver';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { JqSyntaxError, parseJqPath } from './jq-path.ts';
import { syncOptionProblem, syncOptionValue } from './sync-options.ts';

export const APPLICATION_API_VERSION = 'trueup.dev/v1alpha1';

const duration = z.string().refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as 30s, 5m or 1h' });
const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, { message: 'expected a DNS-1123 name: lower case letters, digits, "-" and "."' });

export const RepoCredentialsSchema = z.strictObject({
  /** Username for HTTPS; with `tokenFile` defaults to `git`. */
  username: z.string().optional(),
  /** File holding the HTTPS password. */
  passwordFile: z.string().optional(),
  /** File holding an HTTPS access token, sent as the password. */
  tokenFile: z.string().optional(),
  /** Private key for `ssh://`. */
  sshKeyFile: z.string().optional(),
  /** known_hosts for `ssh://`; host keys are always checked. */
  knownHostsFile: z.string().optional(),
});

/** `helm template` options, as Argo CD names them. */
export const HelmSourceSchema = z.strictObject({
  /** Defaults to the Application's name. */
  releaseName: z.string().optional(),
  /** Values files relative to the chart folder, applied in order. */
  valueFiles: z.array(z.string()).default([]),
  /** Inline values as a YAML string; applied after the files. */
  values: z.string().optional(),
  /**
   * Values read from ConfigMaps and Secrets of the cluster when rendering (Flux's `valuesFrom`):
   * the YAML under `valuesKey`, or that one value at `targetPath`; applied after `values`, in order.
   */
  valuesFrom: z.array(z.strictObject({
    kind: z.enum(['ConfigMap', 'Secret']),
    name: z.string().min(1),
    /** Default the destination namespace. */
    namespace: z.string().optional(),
    valuesKey: z.string().default('values.yaml'),
    /** A dotted path (`image.tag`) the key's value is set at, as a string. */
    targetPath: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, { message: 'expected a dotted path such as image.tag' }).optional(),
    optional: z.boolean().default(false),
  })).default([]),
  /** Inline values as an object; applied after `values` and `valuesFrom`. */
  valuesObject: z.record(z.string(), z.unknown()).optional(),
  /** `--set` (or `--set-string` with forceString) parameters, applied last. */
  parameters: z.array(z.strictObject({ name: z.string().min(1), value: z.string(), forceString: z.boolean().default(false) })).default([]),
  /** Values files that do not exist are skipped instead of failing the render. */
  ignoreMissingValueFiles: z.boolean().default(false),
  /** Leave out the chart's `crds/` folder. */
  skipCrds: z.boolean().default(false),
  /** The namespace the chart is rendered for (`--namespace`); default the destination's. */
  namespace: z.string().optional(),
  /** The Kubernetes version `.Capabilities` reports (`--kube-version`). */
  kubeVersion: z.string().optional(),
  /** API versions `.Capabilities.APIVersions` holds besides the built-in ones (`--api-versions`). */
  apiVersions: z.array(z.string()).default([]),
  /** Skip the chart's values.schema.json check. */
  skipSchemaValidation: z.boolean().default(false),
});

/** Kustomize options, as Argo CD names them; applied through an overlay, never by editing the checkout. */
export const KustomizeSourceSchema = z.strictObject({
  namePrefix: z.string().optional(),
  nameSuffix: z.string().optional(),
  /** Image overrides: `name=new:tag`, `name:tag` or `name@digest`. */
  images: z.array(z.string()).default([]),
  commonLabels: z.record(z.string(), z.string()).optional(),
  commonAnnotations: z.record(z.string(), z.string()).optional(),
  /** The namespace set on every namespaced object. */
  namespace: z.string().optional(),
  /** Replica counts by Deployment, StatefulSet or ReplicaSet name. */
  replicas: z.array(z.strictObject({ name: z.string().min(1), count: z.union([z.number().int().min(0), z.string().regex(/^\d+$/, { message: 'expected a whole number' })]) })).default([]),
  /** Inline patches (strategic merge or JSON 6902), each for the objects its target selects. */
  patches: z.array(z.strictObject({
    patch: z.string().min(1),
    target: z.strictObject({
      group: z.string().optional(),
      version: z.string().optional(),
      kind: z.string().optional(),
      name: z.string().optional(),
      namespace: z.string().optional(),
      labelSelector: z.string().optional(),
      annotationSelector: z.string().optional(),
    }).optional(),
    options: z.strictObject({ allowNameChange: z.boolean().optional(), allowKindChange: z.boolean().optional() }).optional(),
  })).default([]),
  /** Kustomize components (folders relative to the source path), added to the build. */
  components: z.array(z.string().min(1)).default([]),
  /**
   * A folder without a kustomization is built as if `kustomize create --autodetect --recursive`
   * had made one (as Flux builds it): every Kubernetes manifest below it, and each folder below
   * it that has a kustomization of its own.
   */
  generate: z.boolean().default(false),
});

/** One Jsonnet variable: a string, or Jsonnet code when `code` is true. */
const JsonnetVarSchema = z.strictObject({ name: z.string().min(1).regex(/^[^=]+$/, { message: 'a name cannot contain "="' }), value: z.string(), code: z.boolean().default(false) });

/** How `*.jsonnet` files of a plain folder are evaluated, as Argo CD's `source.directory.jsonnet`. */
export const JsonnetSourceSchema = z.strictObject({
  /** External variables (`std.extVar`). */
  extVars: z.array(JsonnetVarSchema).default([]),
  /** Top-level arguments of each file's function. */
  tlas: z.array(JsonnetVarSchema).default([]),
  /** Library folders searched by `import`, relative to the repository root (after the source folder). */
  libs: z.array(z.string()).default([]),
});

/** Which files of a plain folder are read, as Argo CD's `source.directory`. */
export const DirectorySourceSchema = z.strictObject({
  /** Read the folders below too. */
  recurse: z.boolean().default(true),
  /** A glob the path below the folder must match (`*.yaml`, `{a.yaml,prod/*}`). */
  include: z.string().optional(),
  /** A glob of paths below the folder to leave out. */
  exclude: z.string().optional(),
  /** Options of the `*.jsonnet` files in the folder (each evaluated into objects). */
  jsonnet: JsonnetSourceSchema.optional(),
});

/**
 * A Git repository whose files the source's Helm values refer to as `$NAME/…` (Argo CD's
 * `ref:` sources): the pattern of a public chart with values kept in the team's repository.
 */
export const RefSourceSchema = z.strictObject({
  /** What `$NAME/` stands for in `helm.valueFiles`. */
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'expected a name of letters, digits, - and _' }),
  repoURL: z.string().regex(/^(file|https?|ssh):\/\/.+/, { message: 'expected a file://, https:// or ssh:// URL' }),
  /** Branch, tag or full commit SHA. */
  ref: z.string().min(1).default('main'),
  credentials: RepoCredentialsSchema.optional(),
});

/**
 * Flux's post-build substitution: `${var}`, `${var:=default}` (and `:-`) in the rendered objects,
 * from `substitute`, then ConfigMaps and Secrets of the destination namespace in order (`$${var}`
 * stays `${var}`; an object annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` is left
 * alone; a variable with no value and no default becomes empty, as Flux does).
 */
export const PostBuildSchema = z.strictObject({
  substitute: z.record(z.string().regex(/^[_a-zA-Z][_a-zA-Z0-9]*$/, { message: 'expected a variable name: letters, digits and _' }), z.string()).default({}),
  substituteFrom: z.array(z.strictObject({
    kind: z.enum(['ConfigMap', 'Secret']),
    name: z.string().min(1),
    /** The namespace to read it from; default the destination namespace. */
    namespace: z.string().optional(),
    optional: z.boolean().default(false),
  })).default([]),
});

export const DecryptionSchema = z.strictObject({
  provider: z.literal('sops'),
  ageKeyFiles: z.array(z.string().min(1)).default([]),
});

/**
 * An exact chart version (`1.2.3`, `v1.2.3-rc.1`): a range would move without a change in Git,
 * unless asked for in so many words (`semver:RANGE`, what Flux's HelmRelease version means).
 */
const EXACT_CHART_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const SourceSchema = z.strictObject({
  repoURL: z.string().regex(/^(file|https?|ssh|oci):\/\/.+/, { message: 'expected a file://, https:// or ssh:// URL (oci:// for a chart)' }),
  /**
   * Kubernetes only: a chart of the Helm repository at `repoURL` (http:// or https://, or an OCI
   * registry at oci://HOST/PATH), at the exact version `ref`, instead of a folder of a Git
   * repository.
   */
  chart: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'expected a chart name such as ingress-nginx' }).optional(),
  /** Branch, tag or full commit SHA. */
  ref: z.string().min(1).default('main'),
  /** Folder in the repository; "." is its root. */
  path: z.string().default('.'),
  credentials: RepoCredentialsSchema.optional(),
  /** Kubernetes only. Auto-detected from `Chart.yaml`; setting it forces Helm. */
  helm: HelmSourceSchema.optional(),
  /** Kubernetes only. Auto-detected from `kustomization.yaml`; setting it forces Kustomize. */
  kustomize: KustomizeSourceSchema.optional(),
  /** Kubernetes only: which files of a plain folder are read; default every file, recursively. */
  directory: DirectorySourceSchema.optional(),
  /** Kubernetes only: repositories that `helm.valueFiles` entries `$NAME/path` are read from. */
  refSources: z.array(RefSourceSchema).optional(),
  /** Kubernetes only: variables substituted in the rendered objects, as Flux's `postBuild`. */
  postBuild: PostBuildSchema.optional(),
}).superRefine((source, ctx) => {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const names = (source.refSources ?? []).map((ref) => ref.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) problem('refSources', `two ref sources are named "${twice}"`);
  if (source.chart === undefined) {
    if (source.repoURL.startsWith('oci://')) problem('repoURL', 'an oci:// address holds charts: give the chart\'s name in chart');
    return;
  }
  if (!/^(https?|oci):\/\//.test(source.repoURL)) problem('repoURL', 'a chart comes from a Helm repository at an http:// or https:// URL, or an OCI registry at oci://');
  const range = source.ref.startsWith('semver:') ? source.ref.slice('semver:'.length).replace(/,/g, ' ') : undefined;
  if (range !== undefined ? semver.validRange(range) === null : !EXACT_CHART_VERSION.test(source.ref)) {
    problem('ref', range !== undefined ? `"${range}" is not a semver range` : `a chart version must be exact, such as 1.2.3, not "${source.ref}": a range would change what runs without a change in Git (write semver:RANGE to follow the highest version in a range)`);
  }
  if (source.path !== '.') problem('path', 'path is not used with chart: the chart is the folder rendered');
  if (source.directory !== undefined || source.kustomize !== undefined) problem(source.directory === undefined ? 'kustomize' : 'directory', 'a chart is rendered with Helm only');
  if (source.credentials?.tokenFile !== undefined || source.credentials?.sshKeyFile !== undefined) problem('credentials', 'a Helm repository takes username and passwordFile');
});

export const HostDestinationSchema = z.strictObject({
  /** Every host path of the application resolves under this folder. */
  root: z.string().startsWith('/', { message: 'expected an absolute path' }),
});

export const KubernetesDestinationSchema = z.strictObject({
  /** A kubeconfig file, relative to the Application file. Omitted: in-cluster, else `$KUBECONFIG`. */
  kubeconfig: z.string().optional(),
  /** A context of the kubeconfig; omitted: its current context. */
  context: z.string().optional(),
  /** Namespace for namespaced objects that name none. */
  namespace: name.optional(),
});

export const DestinationSchema = z.strictObject({
  host: HostDestinationSchema.optional(),
  kubernetes: KubernetesDestinationSchema.optional(),
}).refine((d) => (d.host === undefined) !== (d.kubernetes === undefined), { message: 'expected exactly one of "host" or "kubernetes"' });

/** Differences that never count as drift, as Argo CD's `ignoreDifferences`. */
export const IgnoreDifferenceSchema = z.strictObject({
  /** API group; "" or omitted is the core group. */
  group: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().optional(),
  namespace: z.string().optional(),
  /** JSON pointers such as `/spec/replicas`. */
  jsonPointers: z.array(z.string().startsWith('/', { message: 'expected a JSON pointer such as /spec/replicas' })).default([]),
  /** Fields owned by these field managers (an HPA's `kube-controller-manager`). */
  managedFieldsManagers: z.array(z.string().min(1)).default([]),
  /** jq path expressions such as `.spec.template.spec.containers[] | select(.name == "istio-proxy")`. */
  jqPathExpressions: z.array(z.string().superRefine((source, ctx) => {
    try {
      parseJqPath(source);
    } catch (error) {
      if (!(error instanceof JqSyntaxError)) throw error;
      ctx.addIssue({ code: 'custom', message: `not a supported jq path expression: ${error.message}` });
    }
  })).default([]),
});

export const RetrySchema = z.strictObject({
  limit: z.number().int().min(-1).default(5),
  backoff: z.strictObject({
    duration: duration.default('5s'),
    factor: z.number().min(1).default(2),
    maxDuration: duration.default('3m'),
  }).prefault({}),
});

export const SyncPolicySchema = z.strictObject({
  /** Omitted: detect and report only. */
  automated: z.strictObject({
    prune: z.boolean().default(false),
    selfHeal: z.boolean().default(false),
    /** Prune even when the render is empty (everything Git held was removed); off, an empty render prunes nothing. */
    allowEmpty: z.boolean().default(false),
  }).optional(),
  interval: duration.default('3m'),
  retry: RetrySchema.prefault({}),
  /** How long a sync waits for a wave's objects or hooks to be Healthy; default 5m (Flux's `timeout`). */
  timeout: duration.optional(),
  /** Kubernetes only, as Argo CD names them (sync-options.ts): `CreateNamespace=true`, … */
  syncOptions: z.array(z.string().superRefine((option, ctx) => {
    const problem = syncOptionProblem(option);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })).default([]),
  /** Labels and annotations given to the namespace `CreateNamespace=true` creates. */
  managedNamespaceMetadata: z.strictObject({
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }).optional(),
});

/**
 * An object whose health decides the application's readiness besides its own objects' (Flux's
 * `healthChecks`): an application the agent runs (a Flux `Kustomization` or `HelmRelease`, an
 * `Application`), by name, or any object of the cluster.
 */
export const ObjectHealthCheckSchema = z.strictObject({
  apiVersion: z.string().min(1).optional(),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
});

export const ApplicationSchema = z.strictObject({
  apiVersion: z.literal(APPLICATION_API_VERSION),
  kind: z.literal('Application'),
  metadata: z.strictObject({
    name,
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    source: SourceSchema,
    destination: DestinationSchema,
    syncPolicy: SyncPolicySchema.prefault({}),
    ignoreDifferences: z.array(IgnoreDifferenceSchema).default([]),
    /** Applications (by name) that must be Synced and Healthy before this one is first reconciled (Flux's dependsOn). */
    dependsOn: z.array(name).default([]),
    /** Objects that must be Healthy too before this application is Ready. */
    healthChecks: z.array(ObjectHealthCheckSchema).optional(),
    /**
     * Kubernetes only: SOPS-encrypted files of the repository are decrypted before rendering, with
     * age keys from `ageKeyFiles` (age identity files; default `<state-dir>/sops/age.agekey`).
     */
    decryption: DecryptionSchema.optional(),
  }).superRefine((spec, ctx) => {
    if (spec.source.chart !== undefined && spec.destination.host !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['source', 'chart'], message: 'a Helm chart deploys to Kubernetes, not to a host' });
    }
  }),
});

export type Application = z.output<typeof ApplicationSchema>;
export type Source = Application['spec']['source'];
export type RepoCredentials = z.output<typeof RepoCredentialsSchema>;
export type SyncPolicy = Application['spec']['syncPolicy'];
export type HelmSource = z.output<typeof HelmSourceSchema>;
export type KustomizeSource = z.output<typeof KustomizeSourceSchema>;
export type DirectorySource = z.output<typeof DirectorySourceSchema>;
export type JsonnetSource = z.output<typeof JsonnetSourceSchema>;
export type RefSource = z.output<typeof RefSourceSchema>;
export type PostBuild = z.output<typeof PostBuildSchema>;
export type Decryption = z.output<typeof DecryptionSchema>;
export type KubernetesDestination = z.output<typeof KubernetesDestinationSchema>;
export type IgnoreDifference = z.output<typeof IgnoreDifferenceSchema>;
export type ObjectHealthCheck = z.output<typeof ObjectHealthCheckSchema>;

/** Whether `syncOptions` turns an option on (`CreateNamespace=true`); the last mention wins. */
export function hasSyncOption(policy: SyncPolicy, option: string): boolean {
  return syncOptionValue(policy.syncOptions, option) === 'true';
}
