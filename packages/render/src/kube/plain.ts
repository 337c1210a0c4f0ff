/**
 * A plain folder of manifests: every `.yaml`, `.yml` and `.json` file below it (hidden files and
 * folders skipped), in path order, each holding one or more documents.
 */
import { parseYamlDocuments, type DesiredObject } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { createPacer, readManifestText } from '../read-file.ts';
import type { RepoRoot } from '../repo.ts';
import { listManifestFiles } from '../walk.ts';
import { ObjectCollector } from './kube-manifest.ts';

export async function renderPlain(repo: RepoRoot, folder: string, limits: RenderLimits, signal?: AbortSignal): Promise<DesiredObject[]> {
  const files = await listManifestFiles(repo, folder, limits.maxFiles);
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
