import { posix } from 'node:path';
import { GitErrors } from './errors.ts';
import { highestInRange, isValidSemverRange, semverRange } from './semver-ref.ts';

/** A full commit SHA: SHA-1 (40 hex) or SHA-256 (64 hex). Short SHAs are ambiguous and not accepted. */
export const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

export function isFullSha(ref: string): boolean {
  return FULL_SHA.test(ref);
}

/** Rejects refs git would refuse, or that could be read as an option (`-…`). */
export function checkRef(ref: string, display: string): void {
  const range = semverRange(ref);
  if (range !== undefined) {
    if (!isValidSemverRange(range)) throw GitErrors.create('GIT_REF_NOT_FOUND', `invalid semver range "${range}" for ${display}`, { field: 'spec.source.ref' });
    return;
  }
  const valid = ref !== '' && !ref.startsWith('-') && !ref.endsWith('/') && !ref.endsWith('.lock') && !ref.includes('..') &&
    !ref.includes('@{') && !ref.includes('//') && !/[\x00-\x20\x7f~^:?*[\\]/.test(ref);
  if (!valid) throw GitErrors.create('GIT_REF_NOT_FOUND', `invalid ref "${ref}" for ${display}: expected a branch, a tag or a full commit SHA`, { field: 'spec.source.ref' });
}

/** The `git ls-remote` patterns that find `ref` as a branch or a tag, with the tag's peeled commit. */
export function lsRemotePatterns(ref: string): string[] {
  if (ref === 'HEAD') return ['HEAD'];
  if (semverRange(ref) !== undefined) return ['refs/tags/*'];
  if (ref.startsWith('refs/')) return [ref, `${ref}^{}`];
  return [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/tags/${ref}^{}`];
}

export interface RemoteRef {
  /** The full ref name, e.g. `refs/tags/v1`. */
  name: string;
  /** The commit it points to (annotated tags peeled). */
  sha: string;
}

/**
 * Picks `ref` from `git ls-remote` output. A branch wins over a tag of the same name; an
 * annotated tag resolves to its commit (the `^{}` line). ls-remote patterns match by suffix,
 * so only exact names count (`refs/heads/feature/main` is not `main`).
 */
export function pickRemoteRef(output: string, ref: string): RemoteRef | undefined {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha !== undefined && name !== undefined && FULL_SHA.test(sha)) refs.set(name, sha.toLowerCase());
  }
  const range = semverRange(ref);
  if (range !== undefined) {
    const tags = [...refs.keys()].filter((name) => name.startsWith('refs/tags/') && !name.endsWith('^{}')).map((name) => name.slice('refs/tags/'.length));
    const tag = highestInRange(tags, range);
    const name = `refs/tags/${tag ?? ''}`;
    const sha = tag === undefined ? undefined : refs.get(`${name}^{}`) ?? refs.get(name);
    return sha === undefined ? undefined : { name, sha };
  }
  const candidates = ref === 'HEAD' ? ['HEAD'] : ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const sha = refs.get(`${name}^{}`) ?? refs.get(name);
    if (sha !== undefined) return { name, sha };
  }
  return undefined;
}

/**
 * The source path as a clean relative path inside the repository ('' for the root). Absolute paths
 * and paths leaving the repository are GIT_PATH_NOT_FOUND.
 */
export function cleanSourcePath(path: string | undefined): string {
  const normalized = posix.normalize(path ?? '.').replace(/\/+$/, '');
  if (normalized === '.' || normalized === '') return '';
  if (normalized.startsWith('/') || normalized === '..' || normalized.startsWith('../') || /[\n\0]/.test(normalized)) {
    throw GitErrors.create('GIT_PATH_NOT_FOUND', `path "${path ?? ''}" must be a folder inside the repository`, { field: 'spec.source.path' });
  }
  return normalized;
}
