/**
 * A plain folder of manifests: every `.yaml`, `.yml` and `.json` file below it (hidden files and
 * folders skipped), in path order, each holding one or more documents. `directory` narrows that
 * as Argo CD's options do: only the folder itself without `recurse`, and `include` / `exclude`
 * globs matched against the path below the folder.
 */
import { matchesGlob, posix } from 'node:path';
import { parseYamlDocuments, type DesiredObject, type DirectorySource } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { createPacer, readManifestText } from '../read-file.ts';
import type { RepoRoot } from '../repo.ts';
import { listManifestFiles } from '../walk.ts';
import { ObjectCollector } from './kube-manifest.ts';

export async function renderPlain(repo: RepoRoot, folder: string, limits: RenderLimits, signal?: AbortSignal, directory?: DirectorySource): Promise<DesiredObject[]> {
  const listed = await listManifestFiles(repo, folder, limits.maxFiles, directory?.recurse ?? true);
  const files = listed.filter(({ file }) => selected(posix.relative(folder, file), directory));
  const pacer = createPacer();
  const collector = new ObjectCollector(limits.maxObjects);
  for (const manifest of files) {
    await pacer.tick();
    signal?.throwIfAborted();
    const text = readManifestText(repo, manifest, limits.yaml.maxBytes);
    if (text === undefined) continue;
    for (const doc of parseYamlDocuments(text, manifest.file, limits.yaml)) {
      collector.add({ value: doc.value, file: manifest.file, lineOf: (path) => doc.lineOf(path) });
    }
  }
  return collector.objects;
}

function selected(relative: string, directory: DirectorySource | undefined): boolean {
  if (directory?.include !== undefined && directory.include !== '' && !matchesGlob(relative, directory.include)) return false;
  return directory?.exclude === undefined || directory.exclude === '' || !matchesGlob(relative, directory.exclude);
}
