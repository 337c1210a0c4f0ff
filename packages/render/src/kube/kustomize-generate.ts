/**
 * A kustomization for a folder that has none, as Flux makes one (`kustomize create --autodetect
 * --recursive`): the Kubernetes manifests below the folder (YAML or JSON documents with
 * `apiVersion` and `kind`), and each folder below it that has a kustomization of its own, which is
 * then not descended into. The manifests are copied, through the confined reader, into a folder
 * of the overlay (kustomize reads resource files only below its kustomization): the checkout is
 * never written.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlDocuments } from '@trueup/api';
import { RenderErrors } from '../errors.ts';
import type { RenderLimits } from '../limits.ts';
import { readConfined } from '../read-file.ts';
import { joinRelative, readError, toAbsolute, type RepoRoot } from '../repo.ts';
import { KUSTOMIZATION_FILES } from './detect.ts';
import { isMapping } from './kube-manifest.ts';

const MANIFEST = /\.(ya?ml|json)$/i;

/** Writes `<into>/kustomization.yaml` and the copies; returns `into`, the folder to build. */
export async function generateKustomization(repo: RepoRoot, folder: string, into: string, limits: RenderLimits): Promise<string> {
  const resources: string[] = [];
  let files = 0;
  const visit = async (relative: string, isRoot: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(toAbsolute(repo, relative), { withFileTypes: true });
    } catch (cause) {
      throw readError(cause, undefined, relative);
    }
    const names = new Set(entries.map((entry) => entry.name));
    if (!isRoot && KUSTOMIZATION_FILES.some((name) => names.has(name))) {
      // A folder, which kustomize may read wherever it lies: by a path relative to the copy.
      resources.push(path.relative(into, toAbsolute(repo, relative)));
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const child = joinRelative(relative, entry.name);
      if (entry.isDirectory()) await visit(child, false);
      else if (MANIFEST.test(entry.name) && !KUSTOMIZATION_FILES.includes(entry.name as never)) {
        if (++files > limits.maxFiles) throw RenderErrors.create('RENDER_LIMIT', `more than ${limits.maxFiles} manifest files under "${folder}"`, { file: folder });
        const read = readConfined(repo, child, limits.yaml.maxBytes);
        if (read.status === 'escapes') throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `${child} is a symlink leading outside the repository`, { file: child });
        if (read.status !== 'ok') continue;
        const text = read.bytes.toString('utf8');
        if (!isManifest(text, child, limits)) continue;
        const copy = path.posix.relative(folder, child);
        await mkdir(path.join(into, path.dirname(copy)), { recursive: true });
        await writeFile(path.join(into, copy), text);
        resources.push(copy);
      }
    }
  };
  await mkdir(into, { recursive: true });
  await visit(folder, true);
  const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
  await writeFile(path.join(into, 'kustomization.yaml'), `${JSON.stringify(kustomization, null, 2)}\n`);
  return into;
}

/** Documents with apiVersion and kind, as kustomize's autodetect takes them; YAML errors are kustomize's to report. */
function isManifest(text: string, file: string, limits: RenderLimits): boolean {
  try {
    return parseYamlDocuments(text, file, limits.yaml).some((doc) => isMapping(doc.value) && typeof doc.value['apiVersion'] === 'string' && typeof doc.value['kind'] === 'string');
  } catch {
    return true;
  }
}
