/**
 * A Helm chart folder → objects, through `helm template`. Helm gets a private HOME and Helm
 * folders, so the user's repositories, registries and plugins are never used. Its only fetch is
 * of dependencies the chart names but does not carry in `charts/` (helm-dependencies.ts).
 */
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ApplicationValues, DesiredObject, HelmSource, Origin } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { joinRelative, toAbsolute, type RepoRoot } from '../repo.ts';
import { CHART_FILE } from './detect.ts';
import { buildDependencies, dependenciesToFetch } from './helm-dependencies.ts';
import { resolveValueFiles, valuesArgs, valuesLayers } from './helm-values.ts';
import { runTool, toolEnv } from './run-tool.ts';
import { withTempDir } from './temp-dir.ts';
import { collectToolOutput } from './tool-output.ts';

export interface HelmRender {
  repo: RepoRoot;
  /** Repo-relative chart folder. */
  folder: string;
  release: string;
  namespace?: string | undefined;
  options: HelmSource;
  bin: string;
  limits: RenderLimits;
  signal?: AbortSignal | undefined;
  /** Checkouts of the ref sources, by name, for `$NAME/…` values files. */
  refs?: Readonly<Record<string, RepoRoot>>;
  /** Values read for `valuesFrom`, in order. */
  valueLayers?: readonly Record<string, unknown>[];
  /** Where the Application's own inline values are in Git (see ApplicationValues). */
  applicationFile?: Omit<ApplicationValues, 'at' | 'string'> | undefined;
}

export async function renderHelm(render: HelmRender): Promise<DesiredObject[]> {
  const { repo, folder } = render;
  const valueFiles = await resolveValueFiles(repo, folder, render.options.valueFiles, render.options.ignoreMissingValueFiles, render.refs);
  const chartDir = await realpath(toAbsolute(repo, folder));
  const fetch = dependenciesToFetch(repo, folder, chartDir, render.limits);
  const output = await withTempDir('trueup-helm-', async (home) => {
    const dirs = { HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
    await Promise.all(Object.values(dirs).map((dir) => mkdir(dir)));
    const rewrites = [{ from: `${repo.real}/`, to: '' }, { from: `${repo.dir}/`, to: '' }, { from: home, to: '<tmp>' }];
    const tool = { tool: 'helm' as const, bin: render.bin, env: toolEnv(home, dirs), cwd: home, renderPath: folder, signal: render.signal, rewrites };
    const built = path.join(home, 'chart');
    if (fetch.length > 0) await buildDependencies(chartDir, built, tool);
    const { options } = render;
    const namespace = options.namespace ?? render.namespace;
    const args = [
      'template', render.release, fetch.length > 0 ? built : chartDir,
      ...(namespace === undefined ? [] : ['--namespace', namespace]),
      options.skipCrds ? '--skip-crds' : '--include-crds',
      // Test hooks are for `helm test`; applied as desired state they would run on every sync.
      '--skip-tests',
      ...(options.kubeVersion === undefined ? [] : ['--kube-version', options.kubeVersion]),
      ...options.apiVersions.flatMap((version) => ['--api-versions', version]),
      ...(options.skipSchemaValidation ? ['--skip-schema-validation'] : []),
      ...(await valuesArgs(options, valueFiles, home, render.valueLayers)),
    ];
    return runTool({ ...tool, args, noise: [/^Use --debug flag to render out invalid YAML$/] });
  });
  const layers = await valuesLayers(render);
  return collectToolOutput({ output, producedBy: `helm template of ${folder}`, limits: render.limits, originOf: (chunk) => ({ ...sourceOrigin(folder, chunk), ...(layers.length === 0 ? {} : { values: layers }) }) });
}

const SOURCE_COMMENT = /^# Source: ([^\n]+)$/m;

/**
 * `# Source: web/templates/deploy.yaml`, which helm writes above each document, names the
 * template by chart name: it is mapped to the file in the chart folder. The line of the object
 * within the template cannot be known after templating, so it is 1.
 */
export function sourceOrigin(folder: string, chunk: string): Origin {
  const source = SOURCE_COMMENT.exec(chunk)?.[1]?.trim();
  const slash = source?.indexOf('/') ?? -1;
  if (source === undefined || slash === -1) return { file: joinRelative(folder, CHART_FILE), line: 1, renderedBy: 'helm', chart: folder };
  return { file: joinRelative(folder, source.slice(slash + 1)), line: 1, renderedBy: 'helm', chart: folder };
}
