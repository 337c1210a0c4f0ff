/** The directories of one job: a fresh workspace, a temp folder, a home, and the step files. */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface JobDirs {
  root: string;
  workspace: string;
  temp: string;
  home: string;
  files: string;
}

export async function createJobDirs(workRoot: string, jobId: string): Promise<JobDirs> {
  const root = join(workRoot, `${jobId.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60)}-${randomBytes(4).toString('hex')}`);
  const dirs = { root, workspace: join(root, 'workspace'), temp: join(root, 'temp'), home: join(root, 'home'), files: join(root, 'files') };
  for (const dir of [dirs.workspace, dirs.temp, dirs.home, dirs.files]) await mkdir(dir, { recursive: true });
  return dirs;
}

export async function removeJobDirs(dirs: JobDirs): Promise<void> {
  await rm(dirs.root, { recursive: true, force: true, maxRetries: 3 });
}
