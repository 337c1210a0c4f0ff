/** A private temporary folder for one tool run, removed afterwards whatever happens. */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  // The realpath: tools resolve symlinks, and relative paths computed from it must agree.
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
