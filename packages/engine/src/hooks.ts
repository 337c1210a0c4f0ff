/**
 * Sync hooks: Kubernetes objects that run around a sync instead of being kept in sync.
 *
 * An object is a hook when it carries `trueup.dev/hook`, else `argocd.argoproj.io/hook` (values
 * `PreSync`, `Sync`, `PostSync`, `SyncFail`, `Skip`, comma-separated), else Helm's
 * `helm.sh/hook` (`pre-install`/`pre-upgrade` → PreSync, `post-install`/`post-upgrade` →
 * PostSync; other Helm hook types have no sync meaning, so such a hook never runs; `crd-install`
 * alone is an ordinary resource). `Skip` anywhere in the list means the object is never applied.
 *
 * Hooks are not part of the desired set: never diffed, inventoried or pruned. An object listing
 * several phases runs in each. Delete policies come from `…/hook-delete-policy` of all three
 * families (Helm's spelled `before-hook-creation`, `hook-succeeded`, `hook-failed`), united;
 * `BeforeHookCreation` when none is given.
 */
import { formatFieldPath, type DesiredObject, type Manifest, type ObjectKey } from '@trueup/api';
import { compareInWave, isHostKey, readSyncWave, SYNC_WAVE_ANNOTATIONS } from './order.ts';

export type HookPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export type HookDeletePolicy = 'BeforeHookCreation' | 'HookSucceeded' | 'HookFailed';

export interface HookStep {
  /** The hook's key; for a `generateName` hook, with the name from `generatedHookName`. */
  key: ObjectKey;
  /** What to create: the manifest with `metadata.name` set (and `generateName` removed). */
  desired: DesiredObject;
  phase: HookPhase;
  wave: number;
  /** Sorted, without duplicates, never empty. */
  deletePolicies: HookDeletePolicy[];
  /**
   * Set when the hook has only `metadata.generateName`: the runner creates each run under a name
   * of its own (`freshHookName`), as Argo CD does, so runs never replace one another.
   */
  generateName?: string;
}

export interface HooksByPhase {
  PreSync: HookStep[];
  Sync: HookStep[];
  PostSync: HookStep[];
  SyncFail: HookStep[];
}

export interface HookSplit {
  /** The desired set proper: diffed, applied, inventoried and pruned. */
  resources: DesiredObject[];
  /** Hooks by phase, each list in run order (wave, then the in-wave order of order.ts). */
  hooks: HooksByPhase;
  /** Never applied: `Skip`, or only Helm hook types without a sync meaning (test, pre-delete…). */
  skipped: DesiredObject[];
}

export const HOOK_ANNOTATIONS: readonly string[] = ['trueup.dev/hook', 'argocd.argoproj.io/hook'];
export const HELM_HOOK_ANNOTATION = 'helm.sh/hook';
export const HOOK_DELETE_POLICY_ANNOTATIONS: readonly string[] = ['trueup.dev/hook-delete-policy', 'argocd.argoproj.io/hook-delete-policy', 'helm.sh/hook-delete-policy'];
/** Hooks read their wave from the sync-wave annotations, then from Helm's hook weight. */
export const HOOK_WAVE_ANNOTATIONS: readonly string[] = [...SYNC_WAVE_ANNOTATIONS, 'helm.sh/hook-weight'];

const PHASES: readonly HookPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];
const HELM_PHASES: Record<string, HookPhase | undefined> = {
  'pre-install': 'PreSync', 'pre-upgrade': 'PreSync', 'post-install': 'PostSync', 'post-upgrade': 'PostSync',
};
const HELM_TYPES = new Set(['pre-install', 'pre-upgrade', 'post-install', 'post-upgrade', 'pre-delete', 'post-delete', 'pre-rollback', 'post-rollback', 'test', 'test-success', 'test-failure', 'crd-install']);
const DELETE_POLICIES: Record<string, HookDeletePolicy | undefined> = {
  BeforeHookCreation: 'BeforeHookCreation', HookSucceeded: 'HookSucceeded', HookFailed: 'HookFailed',
  'before-hook-creation': 'BeforeHookCreation', 'hook-succeeded': 'HookSucceeded', 'hook-failed': 'HookFailed',
};

/** What the hook annotations of one manifest say, with the values nobody understands. */
export interface HookAnnotations {
  /** Which annotation decided; undefined when the object is not a hook. */
  annotation: string | undefined;
  phases: HookPhase[];
  skip: boolean;
  /** Values of `annotation` that name no phase Trueup knows (`PreDelete`, typos). */
  unknown: string[];
}

export function readHookAnnotations(manifest: Manifest | undefined): HookAnnotations {
  const annotations = manifest?.metadata.annotations ?? {};
  const none: HookAnnotations = { annotation: undefined, phases: [], skip: false, unknown: [] };
  const argo = HOOK_ANNOTATIONS.find((name) => Object.hasOwn(annotations, name));
  if (argo !== undefined) {
    const values = listOf(annotations[argo]);
    const phases = PHASES.filter((phase) => values.includes(phase));
    const unknown = values.filter((value) => value !== 'Skip' && !PHASES.includes(value as HookPhase));
    return { annotation: argo, phases, skip: values.includes('Skip'), unknown: values.length === 0 ? [''] : unknown };
  }
  if (!Object.hasOwn(annotations, HELM_HOOK_ANNOTATION)) return none;
  const values = listOf(annotations[HELM_HOOK_ANNOTATION]);
  if (values.length > 0 && values.every((value) => value === 'crd-install')) return none; // Helm 2's CRD hook: a plain resource
  const phases = PHASES.filter((phase) => values.some((value) => HELM_PHASES[value] === phase));
  const unknown = values.filter((value) => !HELM_TYPES.has(value));
  return { annotation: HELM_HOOK_ANNOTATION, phases, skip: false, unknown: values.length === 0 ? [''] : unknown };
}

/** True when the object is a hook (or skipped): never diffed, inventoried or pruned. Host objects never are. */
export function isHook(object: { key: ObjectKey; manifest?: Manifest | undefined }): boolean {
  return !isHostKey(object.key) && readHookAnnotations(object.manifest).annotation !== undefined;
}

/** The delete policies of a hook, united over all annotations; unknown values are left out. */
export function readDeletePolicies(manifest: Manifest | undefined): { policies: HookDeletePolicy[]; unknown: { annotation: string; value: string }[] } {
  const annotations = manifest?.metadata.annotations ?? {};
  const policies = new Set<HookDeletePolicy>();
  const unknown: { annotation: string; value: string }[] = [];
  for (const annotation of HOOK_DELETE_POLICY_ANNOTATIONS) {
    if (!Object.hasOwn(annotations, annotation)) continue;
    for (const value of listOf(annotations[annotation])) {
      const policy = DELETE_POLICIES[value];
      if (policy === undefined) unknown.push({ annotation, value });
      else policies.add(policy);
    }
  }
  if (policies.size === 0) policies.add('BeforeHookCreation');
  return { policies: [...policies].sort(), unknown };
}

/** Splits desired objects into resources, hooks by phase, and skipped objects. */
export function splitHooks(desired: readonly DesiredObject[]): HookSplit {
  const resources: DesiredObject[] = [];
  const skipped: DesiredObject[] = [];
  const hooks: HooksByPhase = { PreSync: [], Sync: [], PostSync: [], SyncFail: [] };
  for (const object of desired) {
    const read = isHostKey(object.key) ? undefined : readHookAnnotations(object.manifest);
    if (read?.annotation === undefined) {
      resources.push(object);
      continue;
    }
    if (read.skip || read.phases.length === 0) {
      skipped.push(object);
      continue;
    }
    const named = withHookName(object);
    const wave = readSyncWave(object.manifest, HOOK_WAVE_ANNOTATIONS).wave;
    const deletePolicies = readDeletePolicies(object.manifest).policies;
    const generateName = pendingGenerateName(object.manifest);
    for (const phase of read.phases) {
      hooks[phase].push({ key: named.key, desired: named, phase, wave, deletePolicies: [...deletePolicies], ...(generateName === undefined ? {} : { generateName }) });
    }
  }
  for (const phase of PHASES) hooks[phase].sort(compareHooks);
  return { resources, hooks, skipped };
}

/** Hooks of one phase grouped by wave, in run order: each group finishes before the next starts. */
export function hookWaves(hooks: readonly HookStep[]): HookStep[][] {
  const groups: HookStep[][] = [];
  for (const hook of [...hooks].sort(compareHooks)) {
    const last = groups.at(-1);
    if (last !== undefined && last[0]!.wave === hook.wave) last.push(hook);
    else groups.push([hook]);
  }
  return groups;
}

export function compareHooks(a: HookStep, b: HookStep): number {
  return a.wave - b.wave || compareInWave({ key: a.key, manifest: a.desired.manifest }, { key: b.key, manifest: b.desired.manifest });
}

/**
 * The name of a hook that has only `metadata.generateName`: the prefix (cut so the whole fits
 * in 63 characters) and 8 hex digits of a 32-bit FNV-1a hash of the manifest's canonical JSON
 * (keys sorted). A pure function: the same manifest always gets the same name, so an unchanged
 * hook is recreated under its old name (BeforeHookCreation replaces it), and a changed one gets
 * a new name.
 */
export function generatedHookName(generateName: string, manifest: Manifest): string {
  const hash = fnv1a32(canonicalJson(manifest)).toString(16).padStart(8, '0');
  return `${generateName.slice(0, 63 - hash.length)}${hash}`;
}

/**
 * The name of one run of a `generateName` hook: the prefix, the hook's hash and a token the
 * runner makes unique per sync (Argo CD uses the revision, phase and start time the same way),
 * cut to fit in 63 characters.
 */
export function freshHookName(generateName: string, manifest: Manifest, token: string): string {
  const hash = fnv1a32(canonicalJson(manifest)).toString(16).padStart(8, '0');
  const suffix = `${hash}-${token.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 40);
  return `${generateName.slice(0, 63 - suffix.length)}${suffix}`;
}

/** The `generateName` of a manifest that has no name, if any. */
export function pendingGenerateName(manifest: Manifest): string | undefined {
  const metadata = manifest.metadata as { name?: unknown; generateName?: unknown };
  const hasName = typeof metadata.name === 'string' && metadata.name !== '';
  return !hasName && typeof metadata.generateName === 'string' && metadata.generateName !== '' ? metadata.generateName : undefined;
}

function withHookName(object: DesiredObject): DesiredObject {
  const generateName = pendingGenerateName(object.manifest);
  if (generateName === undefined) return object;
  const name = generatedHookName(generateName, object.manifest);
  const { generateName: _dropped, ...metadata } = object.manifest.metadata as Manifest['metadata'] & { generateName?: unknown };
  return { ...object, key: { ...object.key, name }, manifest: { ...object.manifest, metadata: { ...metadata, name } } };
}

function listOf(value: unknown): string[] {
  return typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter((part) => part !== '') : [];
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export type SyncAnnotationProblemCode = 'SYNC_WAVE_INVALID' | 'HOOK_TYPE_INVALID' | 'HOOK_DELETE_POLICY_INVALID' | 'HOOK_NAME_MISSING' | 'GENERATE_NAME_NOT_HOOK';

/** An annotation (or name) the ordering cannot honour, located in the repository. */
export interface SyncAnnotationProblem {
  code: SyncAnnotationProblemCode;
  key: ObjectKey;
  /** From the object's `origin`. */
  file: string;
  line: number;
  /** Field path, as `formatFieldPath` writes it: `metadata.annotations.trueup.dev/sync-wave`. */
  field: string;
  message: string;
}

/**
 * Problems with the sync annotations of Kubernetes objects: a sync wave that is not an integer,
 * hook types or delete policies Trueup does not know, a hook with neither name nor
 * generateName, a generateName on a non-hook. `planPass` reports these in `plan.problems`; the
 * agent must then change nothing (a typo in a hook annotation would otherwise turn a resource
 * into a hook and prune it) and report the first problems with their file and line.
 */
export function validateSyncAnnotations(desired: readonly DesiredObject[]): SyncAnnotationProblem[] {
  const problems: SyncAnnotationProblem[] = [];
  for (const object of desired) {
    if (isHostKey(object.key)) continue;
    const { key, manifest, origin } = object;
    const add = (code: SyncAnnotationProblemCode, path: readonly string[], message: string): void => {
      problems.push({ code, key, file: origin.file, line: origin.line, field: formatFieldPath(path), message });
    };
    const hook = readHookAnnotations(manifest);
    const wave = readSyncWave(manifest, hook.annotation === undefined ? SYNC_WAVE_ANNOTATIONS : HOOK_WAVE_ANNOTATIONS);
    if (wave.status === 'invalid') add('SYNC_WAVE_INVALID', ['metadata', 'annotations', wave.annotation], `sync wave ${JSON.stringify(wave.value) ?? String(wave.value)} is not an integer`);
    if (hook.annotation === undefined) {
      if (pendingGenerateName(manifest) !== undefined) add('GENERATE_NAME_NOT_HOOK', ['metadata', 'generateName'], 'generateName is supported on hooks only; give the object a name');
      continue;
    }
    const known = hook.annotation === HELM_HOOK_ANNOTATION ? 'Helm hook types' : 'PreSync, Sync, PostSync, SyncFail or Skip';
    for (const value of hook.unknown) add('HOOK_TYPE_INVALID', ['metadata', 'annotations', hook.annotation], value === '' ? `empty hook type; expected ${known}` : `unsupported hook type "${value}"; expected ${known}`);
    for (const { annotation, value } of readDeletePolicies(manifest).unknown) {
      add('HOOK_DELETE_POLICY_INVALID', ['metadata', 'annotations', annotation], `unknown hook delete policy "${value}"; expected BeforeHookCreation, HookSucceeded or HookFailed`);
    }
    const metadata = manifest.metadata as { name?: unknown };
    const named = typeof metadata.name === 'string' && metadata.name !== '';
    if (!named && pendingGenerateName(manifest) === undefined) add('HOOK_NAME_MISSING', ['metadata', 'name'], 'a hook needs metadata.name or metadata.generateName');
  }
  return problems;
}
