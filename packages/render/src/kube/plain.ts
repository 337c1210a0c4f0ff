/**
 * A plain folder of manifests: every `.yaml`, `.yml` and `.json` file below it (hidden files and
 * folders skipped), in path order, each holding one or more documents.
 */
import { ApiErrors, parseYamlDocuments, type DesiredObject } from '@trueup/api';
import { RenderErrors } from '../errors.ts';
import type { RenderLimits } from '../limits.ts';
import { createPacer, readConfined } from '../read-file.ts';
import type { RepoRoot } from '../repo.ts';
import { listManifestFiles, type ManifestFile } from '../walk.ts';
import { ObjectCollector } from './kube-manifest.ts';

export async function renderPlain(repo: RepoRoot, folder: string, limits: RenderLimits, signal?: AbortSignal): Promise<DesiredObject[]> {
  const files = await listManifestFiles(repo, folder, limits.maxFiles);
  const pacer = createPacer();
  const collector = new ObjectCollector(limits.maxObjects);
  for (const manifest of files) {
    await pacer.tick();
    signal?.throwIfAborted();
    const text = readManifest(repo, manifest, limits.yaml.maxBytes);
    if (text === undefined) continue;
    for (const doc of parseYamlDocuments(text, manifest.file, limits.yaml)) {
      collector.add({ value: doc.value, file: manifest.file, lineOf: (path) => doc.lineOf(path) });
    }
  }
  return collector.objects;
}

/** The text of one manifest; undefined for a symlink to a folder, which is not followed. */
function readManifest(repo: RepoRoot, manifest: ManifestFile, maxBytes: number): string | undefined {
  const { file } = manifest;
  const read = readConfined(repo, file, maxBytes);
  switch (read.status) {
    case 'ok':
      return read.bytes.toString('utf8');
    case 'missing':
      throw RenderErrors.create('RENDER_PATH_NOT_FOUND', manifest.symlink ? `${file} is a symlink to nothing` : `${file} disappeared while rendering`, { file });
    case 'escapes':
      throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `${file} is a symlink leading outside the repository`, { file });
    case 'not-a-file':
      if (read.folder) return undefined;
      throw RenderErrors.create('RENDER_PATH_NOT_FOUND', `${file} is not a regular file`, { file });
    case 'too-large':
      throw ApiErrors.create('API_YAML_LIMIT', `file is larger than ${maxBytes} bytes`, { file });
  }
}
