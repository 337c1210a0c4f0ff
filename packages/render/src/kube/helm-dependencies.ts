/**
 * Chart dependencies from Helm repositories that the chart in Git does not carry in `charts/`:
 * Argo CD builds them before rendering, so Trueup does too, in a copy of the chart (the checkout
 * is never written). Dependencies given by `file://` must be in `charts/` already: the copy has
 * no folders around it to resolve them against.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlDocuments } from '@trueup/api';
import type { RenderLimits } from '../limits.ts';
import { readConfined } from '../read-file.ts';
import { joinRelative, type RepoRoot } from '../repo.ts';
import { CHART_FILE } from './detect.ts';
import { isMapping } from './kube-manifest.ts';
import { runTool, type ToolRun } from './run-tool.ts';

/** Names of the dependencies to fetch: from an http(s) or oci repository, and not in `charts/`. */
export function dependenciesToFetch(repo: RepoRoot, folder: string, chartDir: string, limits: RenderLimits): string[] {
  const read = readConfined(repo, joinRelative(folder, CHART_FILE), limits.yaml.maxBytes);
  if (read.status !== 'ok') return [];
  const chart = parseYamlDocuments(read.bytes.toString('utf8'), joinRelative(folder, CHART_FILE), limits.yaml)[0]?.value;
  const dependencies = isMapping(chart) && Array.isArray(chart['dependencies']) ? chart['dependencies'].filter(isMapping) : [];
  const carried = existsSync(path.join(chartDir, 'charts')) ? readdirSync(path.join(chartDir, 'charts')) : [];
  return dependencies
    .filter((dependency) => typeof dependency['repository'] === 'string' && /^(https?|oci):\/\//.test(dependency['repository']))
    .map((dependency) => String(dependency['name']))
    .filter((name) => !carried.some((entry) => entry === name || (entry.startsWith(`${name}-`) && entry.endsWith('.tgz'))));
}

/** Copies the chart into `target` and builds its dependencies there (`helm dependency build`). */
export async function buildDependencies(chartDir: string, target: string, tool: Omit<ToolRun, 'args'>): Promise<void> {
  await cp(chartDir, target, { recursive: true });
  await runTool({ ...tool, args: ['dependency', 'build', target], doing: 'fetching the dependencies of' });
}
