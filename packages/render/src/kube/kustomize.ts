/**
 * A kustomization folder → objects, through `kustomize build`. The options of
 * `spec.source.kustomize` go into an overlay written in a temporary folder that lists the folder
 * as its one resource: the checkout is never edited. The overlay is used even without options,
 * for the origin annotations that map each object to its file.
 */
import { existsSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlDocuments, type DesiredObject, type KustomizeSource } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { readConfined } from '../read-file.ts';
import { RenderErrors } from '../errors.ts';
import { confineRelative, toAbsolute, type RepoRoot } from '../repo.ts';
import { generateKustomization } from './kustomize-generate.ts';
import { isMapping } from './kube-manifest.ts';
import { kustomizeOrigin, stripOrigin, type OriginMap } from './kustomize-origin.ts';
import { parseImageOverride } from './kustomize-images.ts';
import { runTool, toolEnv } from './run-tool.ts';
import { withTempDir } from './temp-dir.ts';
import { collectToolOutput } from './tool-output.ts';

export interface KustomizeRender {
  repo: RepoRoot;
  /** Repo-relative folder holding the kustomization. */
  folder: string;
  /** Repo-relative kustomization file: the origin given to the objects. */
  kustomization: string;
  options: KustomizeSource | undefined;
  bin: string;
  limits: RenderLimits;
  signal?: AbortSignal | undefined;
}

export async function renderKustomize(render: KustomizeRender): Promise<DesiredObject[]> {
  const { repo, folder } = render;
  const folderReal = await realpath(toAbsolute(repo, folder));
  const userMetadata = readBuildMetadata(repo, render.kustomization, render.limits.yaml.maxBytes);
  const { output, origins } = await withTempDir('trueup-kustomize-', async (home) => {
    const dir = path.join(home, 'overlay');
    await mkdir(dir);
    // A folder without a kustomization, built the way Flux builds it: a generated one beside copies.
    const generated = render.options?.generate === true && !existsSync(toAbsolute(repo, render.kustomization))
      ? await generateKustomization(repo, folder, path.join(dir, 'generated'), render.limits)
      : undefined;
    const target = generated ?? folderReal;
    // The folder is the overlay's one resource, by a relative path: kustomize refuses an absolute
    // one. The load restrictor stays strict (LoadRestrictionsRootOnly): it limits the files each
    // kustomization reads to its own folder, while a resource folder may lie anywhere.
    // buildMetadata replaces that of the kustomizations below, so the user's is carried over,
    // plus origin annotations to tell where each object came from.
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [path.relative(dir, target)],
      buildMetadata: [...new Set([...userMetadata, ORIGIN_METADATA])], ...overlayFields(render.options),
      ...componentsField(repo, folder, dir, render.options),
    };
    await writeFile(path.join(dir, 'kustomization.yaml'), `${JSON.stringify(kustomization, null, 2)}\n`);
    const printed = await runTool({
      tool: 'kustomize', bin: render.bin, args: ['build', dir], env: toolEnv(home), cwd: home, renderPath: folder, signal: render.signal,
      rewrites: [
        { from: `${repo.real}/`, to: '' }, { from: `${repo.dir}/`, to: '' }, { from: `${path.relative(dir, repo.real)}/`, to: '' },
        { from: dir, to: '<overlay>' }, { from: home, to: '<tmp>' },
      ],
    });
    const map: OriginMap = {
      overlayDir: dir, repoReal: repo.real, folderReal, fallback: { file: render.kustomization, line: 1 }, keep: userMetadata.includes(ORIGIN_METADATA),
      ...(generated === undefined ? {} : { copies: { dir: generated, folder } }),
    };
    return { output: printed, origins: map };
  });
  return collectToolOutput({
    output, producedBy: `kustomize build of ${folder}`, limits: render.limits,
    originOf: (_chunk, value) => kustomizeOrigin(origins, value), strip: (value) => stripOrigin(origins, value),
  });
}

const ORIGIN_METADATA = 'originAnnotations';

/** `components`: folders relative to the source folder, which must stay in the repository. */
function componentsField(repo: RepoRoot, folder: string, overlayDir: string, options: KustomizeSource | undefined): { components?: string[] } {
  if (options === undefined || options.components.length === 0) return {};
  return {
    components: options.components.map((component, index) => {
      const relative = confineRelative(path.posix.join(folder, component));
      if (relative === undefined) {
        throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `component ${JSON.stringify(component)} leads outside the repository`, { field: `spec.source.kustomize.components[${index}]` });
      }
      return path.relative(overlayDir, toAbsolute(repo, relative));
    }),
  };
}

/** `buildMetadata` of the user's kustomization; [] when unreadable, and kustomize says why. */
function readBuildMetadata(repo: RepoRoot, kustomization: string, maxBytes: number): string[] {
  try {
    const read = readConfined(repo, kustomization, maxBytes);
    if (read.status !== 'ok') return [];
    const value = parseYamlDocuments(read.bytes.toString('utf8'), kustomization)[0]?.value;
    const listed = isMapping(value) ? value['buildMetadata'] : undefined;
    return Array.isArray(listed) ? listed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** The overlay's fields for `spec.source.kustomize`; undefined when the options change nothing. */
export function overlayFields(options: KustomizeSource | undefined): Record<string, unknown> | undefined {
  if (options === undefined) return undefined;
  const fields: Record<string, unknown> = {};
  if (options.namePrefix !== undefined && options.namePrefix !== '') fields['namePrefix'] = options.namePrefix;
  if (options.nameSuffix !== undefined && options.nameSuffix !== '') fields['nameSuffix'] = options.nameSuffix;
  if (options.images.length > 0) fields['images'] = options.images.map(parseImageOverride);
  if (options.commonLabels !== undefined && Object.keys(options.commonLabels).length > 0) fields['commonLabels'] = options.commonLabels;
  if (options.commonAnnotations !== undefined && Object.keys(options.commonAnnotations).length > 0) fields['commonAnnotations'] = options.commonAnnotations;
  if (options.namespace !== undefined && options.namespace !== '') fields['namespace'] = options.namespace;
  if (options.replicas.length > 0) fields['replicas'] = options.replicas.map(({ name, count }) => ({ name, count: Number(count) }));
  if (options.patches.length > 0) fields['patches'] = options.patches;
  return Object.keys(fields).length === 0 ? undefined : fields;
}
