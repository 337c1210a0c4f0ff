/** Objects as every provider sees them: a key, a manifest, and where the manifest came from. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Server-written metadata of live objects (resourceVersion, generation, managedFields…). */
  [field: string]: unknown;
}

/** A resource document: Kubernetes-style, with `spec` for host kinds. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Identifies one object across desired state, live state and inventory. */
export interface ObjectKey {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The place in the repository a desired object was rendered from. */
export interface Origin {
  /** Path relative to the repository root. */
  file: string;
  line: number;
  /** The tool that rendered the object from `file`: it may differ from the file's text (patches, templates). */
  renderedBy?: 'kustomize' | 'helm';
  /** Kustomize: the object is no document of `file` (a generator's output, or a base outside the repository). */
  generated?: boolean;
  /** Helm: the chart's folder, relative to the repository root (its values.yaml). */
  chart?: string;
  /** Helm: the values given above the chart's values.yaml, lowest precedence first. */
  values?: HelmValuesLayer[];
}

/**
 * One layer of a Helm render's values: a values file of the repository (`file`, repo-relative:
 * a key it sets can be written there), or something else (`keys`: the dotted key paths it sets,
 * none of which can be written in the repository), each named in words by `what`.
 */
export interface HelmValuesLayer {
  what: string;
  file?: string | undefined;
  keys?: string[] | undefined;
  /** Inline values of the Application itself, with `keys`: where they are written in Git, or why not. */
  application?: ApplicationValues | undefined;
}

/**
 * An Application's own inline values: its `file` (repo-relative, or the path the agent loaded it
 * from when `outside` says why it is no file of the repository), the 1-based `line` its document
 * starts on, and the key path (`at`) of the values mapping (`spec.source.helm.valuesObject`) or
 * string (`spec.source.helm.values`) in it. A key set in a mapping of a file of the repository can
 * be written there.
 */
export interface ApplicationValues {
  file: string;
  line?: number | undefined;
  at: string;
  outside?: string | undefined;
  string?: boolean | undefined;
}

export interface DesiredObject {
  key: ObjectKey;
  manifest: Manifest;
  origin: Origin;
  /** Lines of the fields the manifest gives (`spec.path`: 7), so an error found when applying names the field's line. */
  fieldLines?: Readonly<Record<string, number>>;
}

/** Where an error about `field` of the object points: the field's line when known, else the object's. */
export function originOfField(object: Pick<DesiredObject, 'origin' | 'fieldLines'>, field: string | undefined): Origin {
  for (let path = field ?? ''; path !== ''; path = path.replace(/(\.[^.[]*|\[\d+\])$/, '')) {
    const line = object.fieldLines?.[path];
    if (line !== undefined) return { file: object.origin.file, line };
    if (!/[.[]/.test(path)) break;
  }
  return object.origin;
}

/**
 * What a provider observed. `manifest` is undefined when the object does not exist. `status`
 * carries observed facts the engine needs for health (a process's pid, a check's result).
 */
export interface LiveObject {
  key: ObjectKey;
  manifest: Manifest | undefined;
  status?: Record<string, unknown>;
  /**
   * What the live object would become if Git's manifest were applied now, when the provider can
   * ask (a Kubernetes server-side dry-run apply). The diff then compares this with `manifest`, so
   * server defaults and fields other managers own never count as drift.
   */
  expected?: Manifest;
}

export function keyOf(manifest: Manifest): ObjectKey {
  const { apiVersion, kind } = manifest;
  const { name, namespace } = manifest.metadata;
  return namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, namespace, name };
}

/** A stable string for maps and storage: `host.trueup.dev/v1alpha1/File//motd`. */
export function keyId(key: ObjectKey): string {
  return `${key.apiVersion}/${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

export function parseKeyId(id: string): ObjectKey {
  const parts = id.split('/');
  const name = parts.pop() ?? '';
  const namespace = parts.pop() ?? '';
  const kind = parts.pop() ?? '';
  const apiVersion = parts.join('/');
  return namespace === '' ? { apiVersion, kind, name } : { apiVersion, kind, namespace, name };
}

/** How users name an object in messages: `File/motd`, `Deployment/web/api`. */
export function displayKey(key: ObjectKey): string {
  return key.namespace === undefined ? `${key.kind}/${key.name}` : `${key.kind}/${key.namespace}/${key.name}`;
}
