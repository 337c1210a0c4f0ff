/**
 * A plain folder of manifests: every `.yaml`, `.yml` and `.json` file below it (hidden files and
 * folders skipped), in path order, each holding one or more documents, and every `.jsonnet` file,
 * evaluated (jsonnet.ts). `directory` narrows that as Argo CD's options do: only the folder itself
 * without `recurse`, and `include` / `exclude` globs matched against the path below the folder.
 *
 * A folder that yields no objects while it holds files of other kinds is an error naming them
 * (Jsonnet libraries, CUE, a chart's templates…), unless `allowEmpty`: an empty render that looks
 * right is the worst answer.
 */
import { matchesGlob, posix } from 'node:path';
import { ApiErrors, parseYamlDocuments, type DesiredObject, type DirectorySource } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { createPacer, readManifestText } from '../read-file.ts';
import type { RepoRoot } from '../repo.ts';
import { listManifestFiles, MANIFEST_EXTENSIONS } from '../walk.ts';
import { evaluateJsonnet, JSONNET_EXTENSION } from './jsonnet.ts';
import { ObjectCollector } from './kube-manifest.ts';

/** Unread files named in the error, at most. */
const NAMED_FILES = 5;

export interface PlainRender {
  repo: RepoRoot;
  folder: string;
  limits: RenderLimits;
  signal?: AbortSignal | undefined;
  directory?: DirectorySource | undefined;
  /** The jsonnet binary. */
  jsonnet: string;
  /** Argo CD's build environment, for Jsonnet variables. */
  variables: Record<string, string>;
  /** An empty result is intended: no error for unread files. */
  allowEmpty?: boolean | undefined;
}

export async function renderPlain(render: PlainRender): Promise<DesiredObject[]> {
  const { repo, folder, limits, signal, directory } = render;
  const others: string[] = [];
  const listed = await listManifestFiles(repo, folder, limits.maxFiles, { recurse: directory?.recurse ?? true, extensions: [...MANIFEST_EXTENSIONS, JSONNET_EXTENSION], others });
  const files = listed.filter(({ file }) => selected(posix.relative(folder, file), directory));
  const pacer = createPacer();
  const collector = new ObjectCollector(limits.maxObjects);
  for (const manifest of files) {
    await pacer.tick();
    signal?.throwIfAborted();
    if (manifest.file.toLowerCase().endsWith(JSONNET_EXTENSION)) {
      const documents = await evaluateJsonnet({ repo, folder, file: manifest.file, options: directory?.jsonnet, variables: render.variables, bin: render.jsonnet, limits, signal });
      for (const doc of documents) collector.add(doc);
      continue;
    }
    const text = readManifestText(repo, manifest, limits.yaml.maxBytes);
    if (text === undefined) continue;
    for (const doc of parseYamlDocuments(text, manifest.file, limits.yaml)) {
      collector.add({ value: doc.value, file: manifest.file, lineOf: (path) => doc.lineOf(path) });
    }
  }
  const unread = others.filter((file) => selected(posix.relative(folder, file), directory));
  if (collector.objects.length === 0 && unread.length > 0 && render.allowEmpty !== true) {
    const named = unread.slice(0, NAMED_FILES).join(', ') + (unread.length > NAMED_FILES ? ` and ${unread.length - NAMED_FILES} more` : '');
    throw ApiErrors.create('API_FIELD_INVALID', `${folder} yields no objects, but holds files that are not read: ${named}. Only .yaml, .yml, .json and .jsonnet files are read in a plain folder; set syncPolicy.automated.allowEmpty if empty is intended`, {
      file: unread[0]!, field: 'spec.source.path',
    });
  }
  return collector.objects;
}

function selected(relative: string, directory: DirectorySource | undefined): boolean {
  if (directory?.include !== undefined && directory.include !== '' && !matchesGlob(relative, directory.include)) return false;
  return directory?.exclude === undefined || directory.exclude === '' || !matchesGlob(relative, directory.exclude);
}
