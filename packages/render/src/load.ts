/** Reads the manifest files in order and validates their documents. */
import { ApiErrors, parseYamlDocuments } from '@trueup/api';
import { validateHostDocument, type HostDocument } from './document.ts';
import { RenderErrors } from './errors.ts';
import type { RenderLimits } from './limits.ts';
import { readConfined, type Pacer } from './read-file.ts';
import type { RepoRoot } from './repo.ts';
import type { ManifestFile } from './walk.ts';

export async function loadManifests(repo: RepoRoot, files: readonly ManifestFile[], limits: RenderLimits, pacer: Pacer): Promise<HostDocument[]> {
  const docs: HostDocument[] = [];
  for (const manifest of files) {
    await pacer.tick();
    const text = readManifest(repo, manifest, limits.yaml.maxBytes);
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
      // Checked before reading: parseYamlDocuments checks the text too, but only once it is in memory.
      throw ApiErrors.create('API_YAML_LIMIT', `file is larger than ${maxBytes} bytes`, { file });
  }
}
