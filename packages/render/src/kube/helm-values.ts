/**
 * The values of a `helm template` run, in Helm's order of precedence: values files (from the
 * repository, confined to it), the inline `values` string, `valuesObject`, then `--set` parameters.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isTrueupError, type HelmSource } from '@trueup/api';
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
