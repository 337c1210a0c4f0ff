/**
 * The repositories benchmarks converge to: a working copy that commits, a bare repository served
 * over file://, and Application files pointing at it with a fresh root each.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServedRepo, createWorkRepo, type WorkRepo } from '@trueup/testkit';

export interface BenchRepo {
  /** The bare repository's file:// URL. */
  repoURL: string;
  bare: string;
  work: WorkRepo;
  /** Writes files (null deletes), commits, pushes `main`; returns the commit SHA. */
  commitAndPush(files: Record<string, string | null>, message?: string): Promise<string>;
}

/** A served repository under `dir` holding `files` in one first commit. */
export async function createBenchRepo(dir: string, files: Record<string, string>): Promise<BenchRepo> {
  const bare = await createServedRepo(join(dir, 'served'), 'config.git');
  const work = await createWorkRepo(join(dir, 'work'));
  const commitAndPush = async (changes: Record<string, string | null>, message = 'change'): Promise<string> => {
    await work.write(changes);
    const sha = await work.commit(message);
    await work.git('push', '--quiet', '--force', bare, 'main');
    return sha;
  };
  await commitAndPush(files, 'initial');
  return { repoURL: `file://${bare}`, bare, work, commitAndPush };
}

export interface AppFileOptions {
  name: string;
  repoURL: string;
  /** Folder of the host manifests in the repository. */
  path: string;
  root: string;
}

/** Writes an Application file (automated prune and self-heal, interval 1h) and creates its root. */
export async function writeAppFile(file: string, options: AppFileOptions): Promise<string> {
  await mkdir(options.root, { recursive: true });
  await writeFile(file, `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata:
  name: ${options.name}
spec:
  source:
    repoURL: "${options.repoURL}"
    ref: main
    path: ${options.path}
  destination:
    host:
      root: "${options.root}"
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    interval: 1h
`);
  return file;
}

/** Deterministic text of about `bytes` bytes for file `index` at `version`. */
export function fileContent(index: number, version: number, bytes = 1024): string {
  const line = `file ${index} version ${version} - the quick brown fox jumps over the lazy dog\n`;
  return line.repeat(Math.max(1, Math.ceil(bytes / Buffer.byteLength(line))));
}
