/** Test helpers: a served config repository over smart HTTP, seeded with files. */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createServedRepo, createWorkRepo, runTestGit, startGitHttpServer, tempDir, type GitHttpServer } from '@trueup/testkit';

export interface ConfigRepo {
  url: string;
  bare: string;
  server: GitHttpServer;
  /** The file's text at the tip of `main`. */
  show(file: string, ref?: string): Promise<string>;
  /** Commit messages of `main`, newest first. */
  log(ref?: string): Promise<string[]>;
  /** Installs a pre-receive hook that refuses every push with `message`. */
  refuseWith(message: string): Promise<void>;
}

export async function configRepo(t: Pick<TestContext, 'after'>, files: Record<string, string>, auth?: { username: string; password: string }): Promise<ConfigRepo> {
  const root = await tempDir(t, 'trueup-gitops-test-');
  const bare = await createServedRepo(join(root, 'served'), 'config.git');
  const work = await createWorkRepo(join(root, 'work'));
  await work.write(files);
  await work.commit('initial');
  await work.push(bare);
  const server = await startGitHttpServer({ root: join(root, 'served'), ...auth });
  t.after(() => server.close());
  return {
    url: server.url('config.git'),
    bare,
    server,
    show: (file, ref = 'main') => runTestGit(bare, ['show', `${ref}:${file}`]).then((text) => `${text}\n`),
    log: async (ref = 'main') => (await runTestGit(bare, ['log', '--format=%B%x00', ref])).split('\0').map((message) => message.trim()).filter((message) => message !== ''),
    async refuseWith(message) {
      const hook = join(bare, 'hooks', 'pre-receive');
      await writeFile(hook, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`);
      await chmod(hook, 0o755);
    },
  };
}

const execFileAsync = promisify(execFile);

/** `git diff --no-index -U0` of two texts, from the first hunk on. */
export async function gitDiff(before: string, after: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-gitops-diff-'));
  try {
    await writeFile(join(dir, 'a'), before);
    await writeFile(join(dir, 'b'), after);
    const run = await execFileAsync('git', ['diff', '--no-index', '--no-color', '-U0', 'a', 'b'], { cwd: dir }).catch((error: { code?: number; stdout?: string }) => {
      if (error.code === 1 && error.stdout !== undefined) return { stdout: error.stdout };
      throw error as Error;
    });
    const start = run.stdout.indexOf('@@');
    return start === -1 ? '' : run.stdout.slice(start);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

