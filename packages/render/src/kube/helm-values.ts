/**
 * The values of a `helm template` run, in Helm's order of precedence: values files (from the
 * repository, confined to it), the inline `values` string, `valuesObject`, then `--set` parameters.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isTrueupError, parseYamlDocuments, type ApplicationValues, type HelmSource, type HelmValuesLayer } from '@trueup/api';
import { RenderErrors } from '../errors.ts';
import { confineRelative, isInside, realpathInRepo, type RepoRoot } from '../repo.ts';

/**
 * Absolute path of each values file, checked to be a file inside the checkout. With
 * `ignoreMissing`, a file that does not exist is left out; one that escapes the checkout never is.
 * `$NAME/path` is a file of the ref source NAME's checkout (Argo CD's `$values/…`), relative to
 * its root and confined to it the same way.
 */
export async function resolveValueFiles(repo: RepoRoot, chartFolder: string, valueFiles: readonly string[], ignoreMissing = false, refs: Readonly<Record<string, RepoRoot>> = {}): Promise<string[]> {
  const resolved: string[] = [];
  for (const [index, file] of valueFiles.entries()) {
    try {
      const ref = /^\$([A-Za-z0-9_-]+)\/(.*)$/.exec(file);
      if (ref === null) {
        resolved.push(await resolveValueFile(repo, chartFolder, file, index));
        continue;
      }
      const refRepo = refs[ref[1]!];
      if (refRepo === undefined) {
        const known = Object.keys(refs).map((name) => `$${name}`).join(', ');
        throw RenderErrors.create('RENDER_PATH_NOT_FOUND', `spec.source.helm.valueFiles[${index}] ${JSON.stringify(file)} names no ref source ${known === '' ? '(there are none)' : `(there are ${known})`}`, { field: `spec.source.helm.valueFiles[${index}]` });
      }
      resolved.push(await resolveValueFile(refRepo, '.', ref[2]!, index, ` of ref source $${ref[1]!}`));
    } catch (error) {
      if (!ignoreMissing || !isTrueupError(error, 'RENDER_PATH_NOT_FOUND')) throw error;
    }
  }
  return resolved;
}

async function resolveValueFile(repo: RepoRoot, chartFolder: string, file: string, index: number, of = ''): Promise<string> {
  const field = `spec.source.helm.valueFiles[${index}]`;
  const named = `${field} ${JSON.stringify(file)}${of}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(file)) {
    throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `${named} is a URL: values files must be files of the repository, relative to the chart folder ${chartFolder}`, { field });
  }
  const relative = path.posix.isAbsolute(file) ? undefined : confineRelative(path.posix.join(chartFolder, file));
  if (relative === undefined) {
    throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `${named} leads outside the repository: give a path relative to the chart folder ${chartFolder}`, { field });
  }
  const real = await realpathInRepo(repo, relative);
  if (real === undefined) throw RenderErrors.create('RENDER_PATH_NOT_FOUND', `${named} (${relative}) does not exist in the repository`, { file: relative, field });
  if (!isInside(repo.real, real)) {
    throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `${named} (${relative}) is a symlink leading outside the repository`, { file: relative, field });
  }
  if (!(await stat(real)).isFile()) throw RenderErrors.create('RENDER_PATH_NOT_FOUND', `${named} (${relative}) is not a file`, { file: relative, field });
  return real;
}

/** `-f` and `--set` arguments; inline values are written as files into `dir`. */
export async function valuesArgs(options: HelmSource, valueFiles: readonly string[], dir: string, layers: readonly Record<string, unknown>[] = []): Promise<string[]> {
  const args = valueFiles.flatMap((file) => ['--values', file]);
  if (options.values !== undefined && options.values.trim() !== '') {
    const file = path.join(dir, 'values.yaml');
    await writeFile(file, options.values);
    args.push('--values', file);
  }
  for (const [index, layer] of layers.entries()) {
    const file = path.join(dir, `values-from-${index}.json`);
    await writeFile(file, JSON.stringify(layer));
    args.push('--values', file);
  }
  if (options.valuesObject !== undefined) {
    // JSON is YAML: Helm reads it as a values file, with no second serializer to disagree with.
    const file = path.join(dir, 'values-object.json');
    await writeFile(file, JSON.stringify(options.valuesObject));
    args.push('--values', file);
  }
  for (const { name, value, forceString } of options.parameters) {
    args.push(forceString ? '--set-string' : '--set', `${name}=${escapeSetValue(value)}`);
  }
  return args;
}

/**
 * Helm splits `--set` on commas: a value such as `a,b` is meant as one string, so its commas are
 * escaped, unless the value is Helm's list syntax `{a,b}`.
 */
export function escapeSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  return value.replace(/(\\*),/g, (match: string, slashes: string) => (slashes.length % 2 === 1 ? match : `${slashes}\\,`));
}

/**
 * Where the values above the chart's values.yaml come from, lowest precedence first, for an
 * adoption to find the file whose value wins: each values file of the repository by its path, and
 * what is no file of it (another checkout's values file, the inline `values`, `valuesFrom`, the
 * `valuesObject` or a HelmRelease's `spec.values`, a `--set` parameter) with the keys it sets.
 */
export async function valuesLayers(render: { repo: RepoRoot; folder: string; options: HelmSource; refs?: Readonly<Record<string, RepoRoot>> | undefined; valueLayers?: readonly Record<string, unknown>[] | undefined; applicationFile?: Omit<ApplicationValues, 'at' | 'string'> | undefined }): Promise<HelmValuesLayer[]> {
  const { options, folder } = render;
  const layers: HelmValuesLayer[] = [];
  for (const [index, file] of options.valueFiles.entries()) {
    const what = `spec.source.helm.valueFiles[${index}] ${JSON.stringify(file)}`;
    if (!file.startsWith('$')) {
      const relative = confineRelative(path.posix.join(folder, file));
      if (relative !== undefined) layers.push({ what, file: relative });
      continue;
    }
    const [real] = await resolveValueFiles(render.repo, folder, [file], true, render.refs ?? {}).catch(() => []);
    if (real !== undefined) layers.push({ what: `${what} (a file of another source's checkout)`, keys: keyPaths(parseYamlDocuments(await readFile(real, 'utf8'), file)[0]?.value) });
  }
  const inApplication = (at: string, string?: true) => (render.applicationFile === undefined ? {} : { application: { ...render.applicationFile, at, ...(string === undefined ? {} : { string }) } });
  if (options.values !== undefined && options.values.trim() !== '') layers.push({ what: 'the inline spec.source.helm.values of the Application', keys: keyPaths(parseYamlDocuments(options.values, 'spec.source.helm.values')[0]?.value), ...inApplication('spec.source.helm.values', true) });
  for (const [index, layer] of (render.valueLayers ?? []).entries()) layers.push({ what: `valuesFrom[${index}] (a ConfigMap or Secret of the cluster)`, keys: keyPaths(layer) });
  if (options.valuesObject !== undefined) layers.push({ what: 'the valuesObject of the Application (or a HelmRelease\'s spec.values)', keys: keyPaths(options.valuesObject), ...inApplication('spec.source.helm.valuesObject') });
  for (const { name } of options.parameters) layers.push({ what: `the parameter ${name} (--set)`, keys: [name] });
  return layers;
}

/** The dotted paths of a values tree's leaves (a list is a leaf). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return prefix === '' ? [] : [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return prefix === '' ? [] : [prefix];
  return entries.flatMap(([key, child]) => keyPaths(child, prefix === '' ? key : `${prefix}.${key}`));
}
