/** Finds the manifest files under the render path: recursive, sorted, dot-entries skipped. */
import { readdir } from 'node:fs/promises';
import { RenderErrors } from './errors.ts';
import { compareText } from './order.ts';
import { mapOrdered } from './parallel.ts';
import { confineRelative, isInside, joinRelative, readError, realpathInRepo, toAbsolute, type RepoRoot } from './repo.ts';

export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];
const READDIR_CONCURRENCY = 16;

export interface ManifestFile {
  /** Repo-relative POSIX path: what errors and origins name. */
  file: string;
  /** Reached through a symlink: its target must be checked before reading. */
  symlink: boolean;
}

/** Resolves `path` (spec.source.path) to a repo-relative folder that exists inside the checkout. */
export async function resolveRenderPath(repo: RepoRoot, renderPath: string): Promise<string> {
  const folder = confineRelative(renderPath);
  if (folder === undefined) {
    throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `path "${renderPath}" leads outside the repository`, { file: renderPath });
  }
  const real = await realpathInRepo(repo, folder);
  if (real === undefined) throw RenderErrors.create('RENDER_PATH_NOT_FOUND', `path "${folder}" does not exist in the repository`, { file: folder });
  if (!isInside(repo.real, real)) {
    throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `path "${folder}" is a symlink leading outside the repository`, { file: folder });
  }
  return folder;
}

export interface ListOptions {
  /** Read the folders below too; default true. */
  recurse?: boolean;
  /** File name endings that are read (case-insensitive); default YAML and JSON. */
  extensions?: readonly string[];
  /** Filled with the other files found (repo-relative), which are not read. */
  others?: string[];
}

/**
 * Lists manifest files below `folder` (only in it, without `recurse`), sorted by repo-relative
 * path. Symlinked folders are not followed.
 */
export async function listManifestFiles(repo: RepoRoot, folder: string, maxFiles: number, options: ListOptions = {}): Promise<ManifestFile[]> {
  const found: ManifestFile[] = [];
  const extensions = options.extensions ?? MANIFEST_EXTENSIONS;
  const recurse = options.recurse ?? true;
  let level = [folder];
  while (level.length > 0) {
    const listings = await mapOrdered(level, READDIR_CONCURRENCY, (dir) => listFolder(repo, dir, extensions));
    const next: string[] = [];
    for (const listing of listings) {
      next.push(...listing.folders);
      found.push(...listing.files);
      if (options.others !== undefined && options.others.length < maxFiles) options.others.push(...listing.others);
    }
    if (found.length > maxFiles) {
      throw RenderErrors.create('RENDER_LIMIT', `more than ${maxFiles} manifest files under "${folder}"`, { file: folder });
    }
    level = recurse ? next : [];
  }
  return found.sort((a, b) => compareText(a.file, b.file));
}

async function listFolder(repo: RepoRoot, dir: string, extensions: readonly string[]): Promise<{ folders: string[]; files: ManifestFile[]; others: string[] }> {
  let entries;
  try {
    entries = await readdir(toAbsolute(repo, dir), { withFileTypes: true });
  } catch (cause) {
    const notFolder = RenderErrors.create('RENDER_PATH_NOT_FOUND', `path "${dir}" is not a folder`, { file: dir });
    throw readError(cause, notFolder, dir);
  }
  const folders: string[] = [];
  const files: ManifestFile[] = [];
  const others: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = joinRelative(dir, entry.name);
    if (entry.isDirectory()) folders.push(relative);
    else if ((entry.isFile() || entry.isSymbolicLink()) && hasExtension(entry.name, extensions)) files.push({ file: relative, symlink: entry.isSymbolicLink() });
    else if (entry.isFile()) others.push(relative);
  }
  return { folders, files, others };
}

function hasExtension(name: string, extensions: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return extensions.some((extension) => lower.endsWith(extension));
}
