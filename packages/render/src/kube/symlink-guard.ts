/**
 * Kustomize and Helm follow symlinks wherever they lead. Before either runs, every symlink it could
 * reach must resolve inside the checkout, so a repository cannot make the agent read its host's
 * files (`templates/x.yaml -> /etc/shadow`) into a render or an error message. A kustomization may
 * reach any folder of the repository (`../../base`), a chart only its own folder.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { RenderErrors } from '../errors.ts';
import { isInside, isMissing, joinRelative, readError, toAbsolute, type RepoRoot } from '../repo.ts';

/** Entries examined at most: a checkout larger than this is refused rather than scanned for long. */
export const MAX_SCANNED_ENTRIES = 200_000;

/**
 * Checks every symlink below `start`. From the repository root that covers everything; from a
 * sub-folder (a chart), symlinked folders are followed too, since the tool will follow them.
 */
export async function checkSymlinksConfined(repo: RepoRoot, start = '.', maxEntries = MAX_SCANNED_ENTRIES): Promise<void> {
  const follow = start !== '.';
  const visited = new Set<string>();
  let scanned = 0;
  const pending = [start];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    let entries;
    try {
      entries = await readdir(toAbsolute(repo, folder), { withFileTypes: true });
    } catch (cause) {
      throw readError(cause, undefined, folder);
    }
    scanned += entries.length;
    if (scanned > maxEntries) {
      throw RenderErrors.create('RENDER_LIMIT', `more than ${maxEntries} files and folders to check under "${start}"`, { file: start });
    }
    for (const entry of entries) {
      const relative = joinRelative(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') pending.push(relative);
        continue;
      }
      if (!entry.isSymbolicLink()) continue;
      const target = await checkLink(repo, relative);
      if (follow && target !== undefined && !visited.has(target) && (await stat(target)).isDirectory()) {
        visited.add(target);
        pending.push(relative);
      }
    }
  }
}

/** The link's target inside the checkout; undefined when it points to nothing. */
async function checkLink(repo: RepoRoot, relative: string): Promise<string | undefined> {
  let target: string;
  try {
    target = await realpath(toAbsolute(repo, relative));
  } catch (cause) {
    if (isMissing(cause)) return undefined; // dangling: the tool reports it if it needs the file
    throw readError(cause, undefined, relative);
  }
  if (!isInside(repo.real, target)) {
    throw RenderErrors.create('RENDER_PATH_ESCAPES_REPO', `${relative} is a symlink leading outside the repository`, { file: relative });
  }
  return target;
}
