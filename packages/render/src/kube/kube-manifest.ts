/**
 * Kubernetes documents → DesiredObjects: each must carry string `apiVersion`, `kind` and
 * `metadata.name` (or, for a hook, `metadata.generateName`); a `kind: List` is expanded into its
 * items. Namespaces are left as written: the provider defaults them, since only discovery knows
 * which kinds are namespaced.
 *
 * A hook with only `generateName` gets that prefix as the name in its key: the engine names it
 * per sync. Any other object with only `generateName` is an error: it needs a name to be kept in
 * sync.
 */
import { ApiErrors, formatFieldPath, keyOf, type DesiredObject, type FieldPath, type Manifest, type Origin } from '@trueup/api';
import { readHookAnnotations } from '@trueup/engine';
import { RenderErrors } from '../errors.ts';

/** One parsed document and where its fields came from. */
export interface SourceDocument {
  value: unknown;
  /** Repo-relative file that errors and origins name. */
  file: string;
  /** 1-based line of a field of the document (for tool output: the best line known). */
  lineOf(path: FieldPath): number;
  /** What produced the document, for messages: `helm template of charts/web`. */
  producedBy?: string;
  /** The tool that rendered it, carried into the object's origin (see Origin). */
  rendered?: Pick<Origin, 'renderedBy' | 'generated' | 'chart'>;
}

/** Collects objects across documents, enforcing the object limit as it goes. */
export class ObjectCollector {
  readonly objects: DesiredObject[] = [];
  readonly #maxObjects: number;

  constructor(maxObjects: number) {
    this.#maxObjects = maxObjects;
  }

  add(doc: SourceDocument): void {
    const { value } = doc;
    if (!isMapping(value)) throw invalid(doc, [], 'expected a mapping with apiVersion, kind and metadata');
    if (value['kind'] === 'List' && Array.isArray(value['items'])) {
      value['items'].forEach((item: unknown, index) => this.#push(doc, item, ['items', index]));
      return;
    }
    this.#push(doc, value, []);
  }

  #push(doc: SourceDocument, value: unknown, at: FieldPath): void {
    const manifest = checkManifest(doc, value, at);
    if (this.objects.length >= this.#maxObjects) {
      throw RenderErrors.create('RENDER_LIMIT', `more than ${this.#maxObjects} objects`, { file: doc.file, line: doc.lineOf(at) });
    }
    const origin: Origin = { file: doc.file, line: doc.lineOf(at), ...doc.rendered };
    const key = keyOf(manifest);
    const generateName = generateNameOf(manifest);
    this.objects.push({ key: generateName === undefined ? key : { ...key, name: generateName }, manifest, origin });
  }
}

function checkManifest(doc: SourceDocument, value: unknown, at: FieldPath): Manifest {
  if (!isMapping(value)) throw invalid(doc, at, 'expected a mapping with apiVersion, kind and metadata');
  for (const field of ['apiVersion', 'kind'] as const) requireString(doc, value[field], [...at, field]);
  const metadata = value['metadata'];
  if (!isMapping(metadata)) {
    throw invalid(doc, [...at, 'metadata'], metadata === undefined ? 'required field is missing (metadata with a name)' : 'expected a mapping');
  }
  // Only generateName: a hook's name is made per sync; anything else needs a name.
  const generated = metadata['name'] === undefined && typeof metadata['generateName'] === 'string' && metadata['generateName'] !== '';
  if (!generated) requireString(doc, metadata['name'], [...at, 'metadata', 'name']);
  else if (readHookAnnotations(value as Manifest).annotation === undefined) {
    throw invalid(doc, [...at, 'metadata', 'generateName'], 'generateName is supported on hooks only (argocd.argoproj.io/hook, trueup.dev/hook or helm.sh/hook); give the object a name');
  }
  const namespace = metadata['namespace'];
  // An explicit null or "" is how YAML and JSON say "none": the provider fills in the default.
  if (namespace === null || namespace === '') {
    const { namespace: _omitted, ...rest } = metadata;
    return { ...value, metadata: rest } as Manifest;
  }
  if (namespace !== undefined) requireString(doc, namespace, [...at, 'metadata', 'namespace']);
  // Checked above: string apiVersion, kind and metadata.name, and a string namespace when present.
  return value as Manifest;
}

function requireString(doc: SourceDocument, value: unknown, path: FieldPath): void {
  if (typeof value === 'string' && value !== '') return;
  throw invalid(doc, path, value === undefined || value === null ? 'required field is missing (string)' : 'expected a non-empty string');
}

function invalid(doc: SourceDocument, path: FieldPath, message: string): Error {
  const by = doc.producedBy === undefined ? '' : ` (in the output of ${doc.producedBy})`;
  return ApiErrors.create('API_FIELD_INVALID', `${message}${by}`, { file: doc.file, line: doc.lineOf(path), field: formatFieldPath(path) });
}

/** The `generateName` of an object that has no name. */
export function generateNameOf(manifest: Manifest): string | undefined {
  const metadata = manifest.metadata as { name?: unknown; generateName?: unknown };
  return metadata.name === undefined && typeof metadata.generateName === 'string' ? metadata.generateName : undefined;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
