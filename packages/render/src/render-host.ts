/**
 * Host manifests → DesiredObject[]: walk the render path, validate every document, check names,
 * paths and references across documents, read `File.spec.source` files, normalize, sort.
 */
import type { DesiredObject } from '@trueup/api';
import { checkReferences, checkUniqueNames, checkUniquePaths } from './checks.ts';
import { toDesired } from './desired.ts';
import type { HostDocument } from './document.ts';
import { RenderErrors } from './errors.ts';
import { resolveRenderLimits, type RenderLimitOverrides, type RenderLimits } from './limits.ts';
import { loadManifests } from './load.ts';
import { createPacer, type Pacer } from './read-file.ts';
import { compareDesired } from './order.ts';
import { openRepo, type RepoRoot } from './repo.ts';
import { readSource, type SourceContent } from './source.ts';
import { listManifestFiles, resolveRenderPath } from './walk.ts';

export interface RenderHostOptions {
  /** Root of the repository checkout; nothing outside it is read. */
  checkoutDir: string;
  /** Folder in the repository (`spec.source.path`); default ".". */
  path?: string;
  limits?: RenderLimitOverrides;
}

export async function renderHostManifests(options: RenderHostOptions): Promise<DesiredObject[]> {
  const limits = resolveRenderLimits(options.limits);
  const repo = await openRepo(options.checkoutDir);
  const folder = await resolveRenderPath(repo, options.path ?? '.');
  const files = await listManifestFiles(repo, folder, limits.maxFiles);
  const pacer = createPacer();
  const docs = await loadManifests(repo, files, limits, pacer);
  checkUniqueNames(docs);
  checkUniquePaths(docs);
  checkReferences(docs);
  const sources = await readSources(repo, docs, limits, pacer);
  return docs.map((doc) => toDesired(doc, sources.get(doc))).sort(compareDesired);
}

async function readSources(repo: RepoRoot, docs: readonly HostDocument[], limits: RenderLimits, pacer: Pacer): Promise<Map<HostDocument, SourceContent>> {
  const sources = new Map<HostDocument, SourceContent>();
  let total = 0;
  for (const doc of docs) {
    if (doc.kind !== 'File' || doc.spec.source === undefined) continue;
    await pacer.tick();
    const location = { file: doc.file, line: doc.doc.lineOf(['spec', 'source']), field: 'spec.source' };
    const content = readSource(repo, { manifest: doc.file, source: doc.spec.source, location }, limits.maxSourceBytes);
    total += content.bytes;
    if (total > limits.maxTotalSourceBytes) {
      throw RenderErrors.create('RENDER_LIMIT', `source files together exceed ${limits.maxTotalSourceBytes} bytes`, location);
    }
    sources.set(doc, content);
  }
  return sources;
}
