/**
 * Where artifacts of a run are kept. `trueup run` keeps them in a folder of the run; a runner
 * joined to a hub gets an implementation that uploads to the hub — the built-in actions only
 * see this interface.
 */
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RunnerErrors } from './errors.ts';

export interface ArtifactFile {
  /** Path inside the artifact, with `/`. */
  path: string;
  /** Where the file is now. */
  source: string;
}

export interface ArtifactStore {
  upload(name: string, files: readonly ArtifactFile[], overwrite: boolean): Promise<{ files: number; bytes: number }>;
  /** Writes the artifact's files under `dest`. */
  download(name: string, dest: string): Promise<{ files: number }>;
  list(): Promise<string[]>;
}

const NAME = /^[^\\/":<>|*?\r\n]+$/;

export class LocalArtifactStore implements ArtifactStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async upload(name: string, files: readonly ArtifactFile[], overwrite: boolean): Promise<{ files: number; bytes: number }> {
    checkName(name);
    const target = join(this.dir, name);
    if (!overwrite && (await exists(target))) throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', `an artifact named "${name}" exists already in this run; give another name or overwrite: true`);
    await mkdir(target, { recursive: true });
    let bytes = 0;
    for (const file of files) {
      await cp(file.source, join(target, file.path), { force: true, dereference: false });
      bytes += (await stat(file.source)).size;
    }
    return { files: files.length, bytes };
  }

  async download(name: string, dest: string): Promise<{ files: number }> {
    checkName(name);
    const source = join(this.dir, name);
    if (!(await exists(source))) throw RunnerErrors.create('RUNNER_ARTIFACT_NOT_FOUND', `no artifact named "${name}" in this run; there are: ${(await this.list()).join(', ') || 'none'}`);
    await mkdir(dest, { recursive: true });
    await cp(source, dest, { recursive: true, force: true });
    const entries = await readdir(source, { recursive: true, withFileTypes: true });
    return { files: entries.filter((entry) => entry.isFile()).length };
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).sort();
    } catch {
      return [];
    }
  }
}

function checkName(name: string): void {
  if (!NAME.test(name) || name === '.' || name === '..') throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', `invalid artifact name "${name}"`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
