/** `gitops set` as one call: a private working copy in a temporary folder, one write, cleanup. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileEdit } from './plan.ts';
import { WorkTree, type RepoTarget } from './work-tree.ts';
import { writeBranch, type WriteOptions, type WriteResult } from './write-branch.ts';

export async function setInRepo(target: RepoTarget, edits: readonly FileEdit[], options: WriteOptions): Promise<WriteResult> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-gitops-'));
  try {
    const tree = await WorkTree.open(target, dir);
    return await writeBranch(tree, edits, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
