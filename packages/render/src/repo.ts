/**
 * The checkout and paths inside it. Repo-relative paths are POSIX (`hosts/web/files.yaml`);
 * everything read is confined to the checkout lexically and, through realpath, past symlinks.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { RenderErrors } from './errors.ts';

export interface RepoRoot {
  /** Absolute path of the checkout as given. */
  dir: string;
  /** The same, with symlinks resolved: what confinement checks compare against. */
  real: string;
  /** Realpaths of repo-relative folders, filled while reading: valid for one render. */
  realFolders: Map<string, string>;
}

export async function openRepo(checkoutDir: string): Promise<RepoRoot> {
  const dir = path.resolve(checkoutDir);
  try {
    return { dir, real: await realpath(dir), realFolders: new Map() };
  } catch (cause) {
    throw readError(cause, RenderErrors.create('RENDER_PATH_NOT_FOUND', 'the repository checkout does not exist', {}, { cause }));
  }
}

/** Normalizes a repo-relative path; undefined when it is absolute or climbs out of the repository. */
export function confineRelative(relative: string): string | undefined {
  if (path.posix.isAbsolute(relative)) return undefined;
  const normal = path.posix.normalize(relative === '' ? '.' : relative).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) return undefined;
  return normal === '' ? '.' : normal;
}

export function toAbsolute(repo: RepoRoot, relative: string): string {
  return path.join(repo.dir, ...relative.split('/'));
}

export function joinRelative(folder: string, name: string): string {
  return folder === '.' ? name : `${folder}/${name}`;
}

/** Whether `candidate` (a realpath) is `root` or below it. */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

/** The realpath of `relative`, or undefined when nothing exists there. Other failures throw. */
export async function realpathInRepo(repo: RepoRoot, relative: string): Promise<string | undefined> {
  try {
    return await realpath(toAbsolute(repo, relative));
  } catch (cause) {
    if (isMissing(cause)) return undefined;
    throw readError(cause, undefined, relative);
  }
}

export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

export function isMissing(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

/** `missing` when the file is absent, else RENDER_READ_FAILED without the machine's absolute paths. */
export function readError(cause: unknown, missing?: Error, file?: string): Error {
  if (missing !== undefined && isMissing(cause)) return missing;
  const code = errnoCode(cause) ?? 'EIO';
  return RenderErrors.create('RENDER_READ_FAILED', `could not read (${code})`, file === undefined ? {} : { file }, { cause });
}
