/**
 * Where kustomize found each object. The overlay asks kustomize for its origin annotation
 * (`buildMetadata: [originAnnotations]`), which names the resource file (`path:`) or the
 * kustomization of a generator (`configuredIn:`), relative to the overlay. That path is mapped to
 * the repository; the annotation is then removed, unless the user's own kustomization asked for
 * it, in which case it is rewritten relative to their kustomization as a direct build writes it.
 */
import path from 'node:path';
import { parseYamlDocuments, type Origin } from '@trueup/api';
import { isMapping } from './kube-manifest.ts';

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';

export interface OriginMap {
  /** The overlay folder the annotation's paths are relative to. */
  overlayDir: string;
  /** Realpath of the checkout. */
  repoReal: string;
  /** Realpath of the rendered folder: user-visible annotations are relative to it. */
  folderReal: string;
  /** Repo-relative kustomization: the origin when the annotation names nothing in the repository. */
  fallback: Origin;
  /** The user's kustomization asked for origin annotations: keep them. */
  keep: boolean;
  /** A generated kustomization's copies of the folder's files (kustomize-generate.ts): named as the originals. */
  copies?: { dir: string; folder: string };
}

const FIELDS = ['path', 'configuredIn'] as const;

/** The annotation's fields, or undefined when it is absent or not what kustomize writes. */
function readAnnotation(value: unknown): Record<string, unknown> | undefined {
  if (!isMapping(value) || !isMapping(value['metadata'])) return undefined;
  const annotations = value['metadata']['annotations'];
  const text = isMapping(annotations) ? annotations[ORIGIN_ANNOTATION] : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = parseYamlDocuments(text, ORIGIN_ANNOTATION)[0]?.value;
    return isMapping(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function kustomizeOrigin(map: OriginMap, value: unknown): Origin {
  const generated: Origin = { ...map.fallback, renderedBy: 'kustomize', generated: true };
  const fields = readAnnotation(value);
  if (fields === undefined || fields['repo'] !== undefined) return generated;
  for (const field of FIELDS) {
    const named = fields[field];
    if (typeof named !== 'string') continue;
    const resolved = path.resolve(map.overlayDir, named);
    const copy = map.copies === undefined ? undefined : path.relative(map.copies.dir, resolved);
    if (copy !== undefined && copy !== '' && !copy.startsWith('..') && !path.isAbsolute(copy)) {
      return { file: path.posix.join(map.copies!.folder, copy.split(path.sep).join('/')), line: 1, renderedBy: 'kustomize', ...(field === 'path' ? {} : { generated: true }) };
    }
    const relative = path.relative(map.repoReal, resolved);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return generated;
    return { file: relative.split(path.sep).join('/'), line: 1, renderedBy: 'kustomize', ...(field === 'path' ? {} : { generated: true }) };
  }
  return generated;
}

/** The object as a direct `kustomize build` of the folder prints it. */
export function stripOrigin(map: OriginMap, value: unknown): unknown {
  const fields = readAnnotation(value);
  if (fields === undefined || !isMapping(value) || !isMapping(value['metadata']) || !isMapping(value['metadata']['annotations'])) return value;
  const { [ORIGIN_ANNOTATION]: _origin, ...others } = value['metadata']['annotations'];
  let annotations: Record<string, unknown> = others;
  if (map.keep) annotations = { ...others, [ORIGIN_ANNOTATION]: rewriteAnnotation(map, value['metadata']['annotations'][ORIGIN_ANNOTATION], fields) };
  const { annotations: _annotations, ...metadata } = value['metadata'];
  return { ...value, metadata: Object.keys(annotations).length === 0 ? metadata : { ...metadata, annotations } };
}

/** Rewrites the overlay-relative paths of the annotation's text, leaving the rest of it alone. */
function rewriteAnnotation(map: OriginMap, text: unknown, fields: Record<string, unknown>): unknown {
  if (typeof text !== 'string' || fields['repo'] !== undefined) return text;
  let out = text;
  for (const field of FIELDS) {
    const named = fields[field];
    if (typeof named !== 'string') continue;
    const mine = path.relative(map.folderReal, path.resolve(map.overlayDir, named)).split(path.sep).join('/');
    out = out.replace(`${field}: ${named}\n`, `${field}: ${mine}\n`);
  }
  return out;
}
