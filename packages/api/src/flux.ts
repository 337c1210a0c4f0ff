/**
 * Flux's `GitRepository` (`source.toolkit.fluxcd.io/v1`) and `Kustomization`
 * (`kustomize.toolkit.fluxcd.io/v1`), read as-is: each Kustomization becomes an Application whose
 * source is the GitRepository it names. A field Trueup cannot honour is an error naming it,
 * never dropped. The cluster is the agent's own (`kubeConfig` is refused), as for Argo CD.
 */
import semver from 'semver';
import { z } from 'zod';
import { APPLICATION_API_VERSION, ApplicationSchema, type Application } from './application.ts';
import { fieldError, validateDocument } from './validate.ts';
import type { ParsedDocument } from './yaml.ts';

export const FLUX_SOURCE_API_VERSION = 'source.toolkit.fluxcd.io/v1';
export const FLUX_KUSTOMIZE_API_VERSION = 'kustomize.toolkit.fluxcd.io/v1';
export const FLUX_HELM_API_VERSION = 'helm.toolkit.fluxcd.io/v2';

function unsupported(message: string) {
  return z.unknown().refine((value) => value === undefined, { message }).optional();
}

/** Only `value` is honoured; anything else is refused with `message`. */
function only<T extends string | boolean>(value: T, message: string) {
  return z.unknown().refine((given) => given === value, { message }).transform(() => value);
}

const FluxMetadataSchema = z.looseObject({ name: z.string().min(1), namespace: z.string().optional() });

export const FluxGitRepositorySchema = z.looseObject({
  apiVersion: z.literal(FLUX_SOURCE_API_VERSION),
  kind: z.literal('GitRepository'),
  metadata: FluxMetadataSchema,
  spec: z.strictObject({
    url: z.string().min(1),
    ref: z.strictObject({
      branch: z.string().optional(),
      tag: z.string().optional(),
      /** The highest tag in this range; followed as new tags are pushed. */
      semver: z.string().min(1).optional(),
      name: z.string().optional(),
      commit: z.string().optional(),
    }).optional(),
    /** Credentials: files named by the Secret's keys, in the agent's Flux secrets folder. */
    secretRef: z.strictObject({ name: z.string().min(1) }).optional(),
    interval: z.string(),
    timeout: z.string().optional(),
    suspend: z.boolean().optional(),
    provider: only('generic', 'only the generic Git provider is supported').optional(),
    ignore: unsupported('ignore is not supported: every file of the path is read'),
    include: unsupported('include (files from other GitRepositories) is not supported'),
    recurseSubmodules: only(false, 'submodules are not supported').optional(),
    verify: unsupported('commit signature verification is not supported'),
    proxySecretRef: unsupported('proxySecretRef is not supported'),
    sparseCheckout: unsupported('sparseCheckout is not supported'),
  }),
});

export type FluxGitRepository = z.output<typeof FluxGitRepositorySchema>;

const DependencySchema = z.strictObject({ name: z.string().min(1), namespace: z.string().optional() });

const FluxKustomizationSchema = z.looseObject({
  apiVersion: z.literal(FLUX_KUSTOMIZE_API_VERSION),
  kind: z.literal('Kustomization'),
  metadata: FluxMetadataSchema,
  spec: z.strictObject({
    sourceRef: z.strictObject({
      kind: only('GitRepository', 'only a GitRepository source is supported'),
      name: z.string().min(1),
      namespace: z.string().optional(),
      apiVersion: z.string().optional(),
    }),
    path: z.string().optional(),
    interval: z.string(),
    retryInterval: z.string().optional(),
    timeout: z.string().optional(),
    prune: z.boolean(),
    wait: z.boolean().optional(),
    healthChecks: z.array(z.strictObject({ apiVersion: z.string().min(1).optional(), kind: z.string().min(1), name: z.string().min(1), namespace: z.string().min(1).optional() })).optional(),
    dependsOn: z.array(DependencySchema).optional(),
    suspend: z.boolean().optional(),
    targetNamespace: z.string().optional(),
    namePrefix: z.string().optional(),
    nameSuffix: z.string().optional(),
    patches: z.array(z.strictObject({
      patch: z.string().min(1),
      target: z.strictObject({
        group: z.string().optional(), version: z.string().optional(), kind: z.string().optional(), name: z.string().optional(),
        namespace: z.string().optional(), labelSelector: z.string().optional(), annotationSelector: z.string().optional(),
      }).optional(),
    })).optional(),
    images: z.array(z.strictObject({ name: z.string().min(1), newName: z.string().optional(), newTag: z.string().optional(), digest: z.string().optional() })).optional(),
    components: z.array(z.string().min(1)).optional(),
    force: z.boolean().optional(),
    postBuild: z.strictObject({
      substitute: z.record(z.string(), z.string()).optional(),
      substituteFrom: z.array(z.strictObject({ kind: z.enum(['ConfigMap', 'Secret']), name: z.string().min(1), optional: z.boolean().optional() })).optional(),
    }).optional(),
    deletionPolicy: z.enum(['MirrorPrune', 'Delete', 'Orphan']).optional(),
    decryption: z.strictObject({
      provider: z.unknown().refine((value) => value === 'sops', { message: 'only the sops provider is supported' }),
      /** age keys: the Secret's `*.agekey` keys, as files in the agent's Flux secrets folder. */
      secretRef: z.strictObject({ name: z.string().min(1) }).optional(),
    }).optional(),
    serviceAccountName: unsupported('serviceAccountName (impersonation) is not supported: the agent applies with its own credentials'),
    kubeConfig: unsupported('kubeConfig is not supported: the agent applies to its own cluster'),
    commonMetadata: unsupported('commonMetadata is not supported; set labels in the kustomization in Git'),
  }),
});

export function isFluxGitRepository(value: unknown): boolean {
  return kindOf(value) === `${FLUX_SOURCE_API_VERSION}/GitRepository`;
}

export function isFluxKustomization(value: unknown): boolean {
  return kindOf(value) === `${FLUX_KUSTOMIZE_API_VERSION}/Kustomization`;
}

/** Flux kinds Trueup does not read yet: refused where they are declared, never applied. */
export function isUnreadFluxKind(value: unknown): boolean {
  const kind = kindOf(value);
  const read = [`${FLUX_SOURCE_API_VERSION}/GitRepository`, `${FLUX_KUSTOMIZE_API_VERSION}/Kustomization`, `${FLUX_SOURCE_API_VERSION}/HelmRepository`, `${FLUX_HELM_API_VERSION}/HelmRelease`];
  return kind !== undefined && /^(source|kustomize|helm|notification|image)\.toolkit\.fluxcd\.io\//.test(kind) && !read.includes(kind);
}

function kindOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  return typeof apiVersion === 'string' && typeof kind === 'string' ? `${apiVersion}/${kind}` : undefined;
}

export function parseFluxGitRepository(doc: ParsedDocument, file: string): FluxGitRepository {
  const repository = validateDocument(FluxGitRepositorySchema, doc, file);
  const ref = repository.spec.ref ?? {};
  const given = (['branch', 'tag', 'semver', 'name', 'commit'] as const).filter((key) => ref[key] !== undefined);
  if (given.length > 1 && !(given.length === 2 && given.includes('commit') && given.includes('branch'))) {
    throw fieldError(doc, file, ['spec', 'ref'], `give one of branch, tag, semver, name or commit, not ${given.join(' and ')}`);
  }
  if (ref.semver !== undefined && semver.validRange(ref.semver.replace(/,/g, ' ')) === null) {
    throw fieldError(doc, file, ['spec', 'ref', 'semver'], `"${ref.semver}" is not a semver range (e.g. ">=1.0.0 <2.0.0", "1.x", "~1.2")`);
  }
  return repository;
}

/** A GitRepository by `namespace/name`. */
export type FluxSources = ReadonlyMap<string, FluxGitRepository>;

export function fluxKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? 'flux-system'}/${name}`;
}

export interface FluxKustomization {
  application: Application;
  /** The GitRepository it reads. */
  source: FluxGitRepository;
  /** `namespace/name` of `decryption.secretRef`: its `*.agekey` files hold the age keys. */
  decryptionSecret?: string;
  /** `wait: true`: Ready only once the Flux objects it declares (Kustomizations, HelmReleases) are Ready too. */
  waitForChildren: boolean;
  /** Removed from Git by a parent that prunes, its objects are deleted (Flux's deletionPolicy and prune). */
  pruneWhenRemoved: boolean;
}

/** Flux kinds the agent runs as applications: a health check on one asks for that application's readiness. */
const FLUX_APPLICATION_KINDS = new Set(['Kustomization', 'HelmRelease']);

/** Our Application for a Flux Kustomization; errors name the Flux field, file and line. */
export function fromFluxKustomization(doc: ParsedDocument, file: string, sources: FluxSources): FluxKustomization {
  const flux = validateDocument(FluxKustomizationSchema, doc, file);
  const { spec, metadata } = flux;
  const namespace = metadata.namespace ?? 'flux-system';
  const source = sources.get(fluxKey(spec.sourceRef.namespace ?? namespace, spec.sourceRef.name));
  if (source === undefined) {
    throw fieldError(doc, file, ['spec', 'sourceRef', 'name'], `GitRepository ${spec.sourceRef.namespace ?? namespace}/${spec.sourceRef.name} is not declared beside this Kustomization or in the tree it comes from`);
  }
  const ref = source.spec.ref ?? {};
  // Flux's order: commit, name, semver, tag, branch. A semver range is Trueup's `semver:` ref.
  const revision = ref.commit ?? ref.name ?? (ref.semver === undefined ? undefined : `semver:${ref.semver}`) ?? ref.tag ?? ref.branch ?? 'master';
  const kustomize = {
    generate: true,
    ...(spec.targetNamespace === undefined ? {} : { namespace: spec.targetNamespace }),
    ...(spec.namePrefix === undefined ? {} : { namePrefix: spec.namePrefix }),
    ...(spec.nameSuffix === undefined ? {} : { nameSuffix: spec.nameSuffix }),
    images: (spec.images ?? []).map(imageOverride),
    patches: spec.patches ?? [],
    components: spec.components ?? [],
    // Flux's force: recreate an object whose immutable fields changed.
    ...(spec.force === true ? { commonAnnotations: { 'trueup.dev/replace': 'true' } } : {}),
  };
  const postBuild = spec.postBuild;
  // Flux: with wait: true every object applied is checked and healthChecks are ignored.
  const healthChecks = spec.wait === true ? [] : (spec.healthChecks ?? []).map((check, index) => {
    if (check.apiVersion === undefined && !FLUX_APPLICATION_KINDS.has(check.kind)) {
      throw fieldError(doc, file, ['spec', 'healthChecks', index, 'apiVersion'], `give the apiVersion of ${check.kind} ${check.name}`);
    }
    return check;
  });
  const converted = {
    apiVersion: APPLICATION_API_VERSION,
    kind: 'Application',
    metadata: { name: metadata.name },
    spec: {
      source: {
        repoURL: source.spec.url,
        ref: revision,
        path: (spec.path ?? '.').replace(/^\.\/+/, '') || '.',
        kustomize,
        ...(postBuild === undefined ? {} : {
          postBuild: {
            substitute: postBuild.substitute ?? {},
            substituteFrom: (postBuild.substituteFrom ?? []).map((from) => ({ ...from, namespace })),
          },
        }),
      },
      destination: { kubernetes: spec.targetNamespace === undefined ? {} : { namespace: spec.targetNamespace } },
      syncPolicy: {
        // Suspended: nothing is changed, drift is still reported.
        ...(spec.suspend === true || source.spec.suspend === true ? {} : { automated: { prune: spec.prune, selfHeal: true } }),
        interval: spec.interval,
        // Flux retries a failed reconcile every retryInterval (default: interval), without end.
        retry: { limit: -1, backoff: { duration: spec.retryInterval ?? spec.interval, factor: 1, maxDuration: spec.retryInterval ?? spec.interval } },
        ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
      },
      dependsOn: (spec.dependsOn ?? []).map((dependency) => dependency.name),
      ...(healthChecks.length === 0 ? {} : { healthChecks }),
      // Key files are found by the agent (the secretRef's `*.agekey` files): none named here.
      ...(spec.decryption === undefined ? {} : { decryption: { provider: 'sops' } }),
    },
  };
  const result = ApplicationSchema.safeParse(converted);
  const policy = spec.deletionPolicy ?? 'MirrorPrune';
  const pruneWhenRemoved = policy === 'Delete' || (policy === 'MirrorPrune' && spec.prune);
  if (result.success) {
    return {
      application: result.data, source, waitForChildren: spec.wait === true, pruneWhenRemoved,
      ...(spec.decryption?.secretRef === undefined ? {} : { decryptionSecret: `${namespace}/${spec.decryption.secretRef.name}` }),
    };
  }
  const issue = result.error.issues[0];
  throw fieldError(doc, file, fluxPath(issue?.path ?? []), issue?.message ?? 'invalid Kustomization');
}

/** Where a field of ours came from in the Flux file. */
function fluxPath(path: readonly PropertyKey[]): (string | number)[] {
  const ours = path.filter((p): p is string | number => typeof p !== 'symbol');
  const [, section, field] = ours;
  if (section === 'syncPolicy') return ['spec', field === 'retry' ? 'retryInterval' : String(field ?? 'interval')];
  if (section === 'source' && field === 'kustomize') return ['spec', ...ours.slice(3)];
  if (section === 'source' && field === 'path') return ['spec', 'path'];
  if (section === 'dependsOn') return ['spec', 'dependsOn', ...ours.slice(2)];
  if (section === 'source') return ['spec', 'sourceRef'];
  return ours;
}

function imageOverride(image: { name: string; newName?: string | undefined; newTag?: string | undefined; digest?: string | undefined }): string {
  const target = image.newName ?? image.name;
  const named = image.newName === undefined ? image.name : `${image.name}=${target}`;
  if (image.digest !== undefined) return `${named}@${image.digest}`;
  return image.newTag === undefined ? named : `${named}:${image.newTag}`;
}
