/** Reads the manifest files in order and validates their documents. */
import { parseYamlDocuments } from '@trueup/api';
import { validateHostDocument, type HostDocument } from './document.ts';
import { RenderErrors } from './errors.ts';
import type { RenderLimits } from './limits.ts';
import { readManifestText, type Pacer } from './read-file.ts';
import type { RepoRoot } from './repo.ts';
import type { ManifestFile } from './walk.ts';

export async function loadManifests(repo: RepoRoot, files: readonly ManifestFile[], limits: RenderLimits, pacer: Pacer): Promise<HostDocument[]> {
  const docs: HostDocument[] = [];
  for (const manifest of files) {
    await pacer.tick();
    const text = readManifestText(repo, manifest, limits.yaml.maxBytes);
    if (text === undefined) continue;
    for (const doc of parseYamlDocuments(text, manifest.file, limits.yaml)) {
      if (docs.length >= limits.maxObjects) {
        throw RenderErrors.create('RENDER_LIMIT', `more than ${limits.maxObjects} objects`, { file: manifest.file, line: doc.line });
      }
      docs.push(validateHostDocument(doc, manifest.file));
    }
  }
  return docs;
}
