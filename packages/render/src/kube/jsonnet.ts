/**
 * A `*.jsonnet` file of a plain folder, evaluated as Argo CD does: by the reference
 * implementation (go-jsonnet's `jsonnet`, pinned), with the folder and then `libs` (relative to
 * the repository root) as library paths, `extVars` and `tlas` as strings or code, and Argo CD's
 * `$ARGOCD_APP_NAME`-style variables substituted in their values. The output is one object or an
 * array of objects (a `List` is expanded).
 *
 * Jsonnet imports are string literals, so before it runs every import reachable from the file is
 * resolved the way jsonnet will and must stay inside the checkout: a repository cannot make the
 * agent read its host's files (`import '/etc/…'`) into a render or an error message.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiErrors, type JsonnetSource } from '@trueup/api';
import { RenderErrors } from '../errors.ts';
import type { RenderLimits } from '../limits.ts';
import { isInside, realpathInRepo, toAbsolute, type RepoRoot } from '../repo.ts';
import { runTool, toolEnv } from './run-tool.ts';
import { withTempDir } from './temp-dir.ts';
import type { SourceDocument } from './kube-manifest.ts';

export const JSONNET_EXTENSION = '.jsonnet';

export interface JsonnetRun {
  repo: RepoRoot;
  /** The source folder: the first library path. */
  folder: string;
  /** Repo-relative `.jsonnet` file. */
  file: string;
  options: JsonnetSource | undefined;
  /** Values of Argo CD's build environment variables (`ARGOCD_APP_NAME`…). */
  variables: Record<string, string>;
  bin: string;
  limits: RenderLimits;
  signal?: AbortSignal | undefined;
}

/** The documents the file evaluates to, each located at the file. */
export async function evaluateJsonnet(run: JsonnetRun): Promise<SourceDocument[]> {
  const { repo, file, options } = run;
  const libs = (options?.libs ?? []).map((lib) => libraryPath(repo, lib));
  const jpaths = [toAbsolute(repo, run.folder), ...libs];
  await checkImportsConfined(repo, file, jpaths);
  const args: string[] = [];
  // The jsonnet command searches its -J folders right-most first: Argo CD's order reversed.
  for (const jpath of [...jpaths].reverse()) args.push('-J', jpath);
  for (const v of options?.extVars ?? []) args.push(v.code ? '--ext-code' : '--ext-str', `${v.name}=${substitute(v.value, run.variables, file, 'extVars')}`);
  for (const v of options?.tlas ?? []) args.push(v.code ? '--tla-code' : '--tla-str', `${v.name}=${substitute(v.value, run.variables, file, 'tlas')}`);
  args.push(toAbsolute(repo, file));
  const output = await withTempDir('trueup-jsonnet-', (home) => runTool({
    tool: 'jsonnet', bin: run.bin, args, env: toolEnv(home), cwd: toAbsolute(repo, run.folder), renderPath: file, signal: run.signal,
    rewrites: [{ from: `${repo.dir}/`, to: '' }, { from: `${repo.real}/`, to: '' }], doing: 'evaluating', maxOutputBytes: run.limits.yaml.maxBytes * 16,
  }));
  let value: unknown;
  try {
    value = JSON.parse(output) as unknown;
  } catch {
    throw RenderErrors.create('RENDER_TOOL_FAILED', `jsonnet printed something other than JSON evaluating ${file}`, { file });
  }
  const items: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.map((item) => ({ value: item, file, lineOf: () => 1, producedBy: `jsonnet ${file}` }));
}

function libraryPath(repo: RepoRoot, lib: string): string {
  const normal = path.posix.normalize(lib);
  if (path.posix.isAbsolute(lib) || normal === '..' || normal.startsWith('../')) {
    throw ApiErrors.create('API_FIELD_INVALID', `jsonnet library "${lib}" leads outside the repository`, { field: 'spec.source.directory.jsonnet.libs' });
  }
  return toAbsolute(repo, normal);
}

/** Import statements: `import`, `importstr`, `importbin` and a string literal (verbatim too). */
const IMPORT = /\bimport(?:str|bin)?\s*@?(["'])((?:\\.|(?!\1).)*)\1/g;
const MAX_IMPORTED_FILES = 10_000;

async function checkImportsConfined(repo: RepoRoot, entry: string, jpaths: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  const pending = [toAbsolute(repo, entry)];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (seen.has(current)) continue;
    seen.add(current);
    if (seen.size > MAX_IMPORTED_FILES) throw RenderErrors.create('RENDER_LIMIT', `more than ${MAX_IMPORTED_FILES} Jsonnet files imported from ${entry}`, { file: entry });
    const relative = path.relative(repo.dir, current).split(path.sep).join('/');
    const text = await readFile(current, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = match[2] ?? '';
      const line = text.slice(0, match.index).split('\n').length;
      if (target.includes('\\') || path.isAbsolute(target)) {
        throw RenderErrors.create('RENDER_SOURCE_ESCAPES_REPO', `${relative} imports "${target}": imports must be relative paths inside the repository`, { file: relative, line });
      }
      for (const base of [path.dirname(current), ...jpaths]) {
        const candidate = path.resolve(base, target);
        const real = await realpathInRepo(repo, path.relative(repo.dir, candidate).split(path.sep).join('/')).catch(() => undefined);
        if (real === undefined) continue;
        if (!isInside(repo.real, real)) {
          throw RenderErrors.create('RENDER_SOURCE_ESCAPES_REPO', `${relative} imports "${target}", which leads outside the repository`, { file: relative, line });
        }
        if (/\.(jsonnet|libsonnet)$/.test(real)) pending.push(candidate);
        break; // jsonnet takes the first that exists
      }
    }
  }
}

/** Argo CD's build environment in a value, as its `Envsubst`: `$NAME`, `${NAME}`, `$$` for `$`. */
function substitute(value: string, variables: Record<string, string>, file: string, field: string): string {
  return value.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, _all: string, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    const known = variables[name];
    if (known === undefined) {
      throw ApiErrors.create('API_FIELD_INVALID', `${whole} is not available here (${Object.keys(variables).join(', ')} are); write $$ for a literal $ (evaluating ${file})`, { field: `spec.source.directory.jsonnet.${field}` });
    }
    return known;
  });
}
