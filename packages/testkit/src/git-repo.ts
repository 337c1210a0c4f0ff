/**
 * Real Git repositories for tests: a working repository to write and commit in, and bare
 * "served" repositories to push to and serve over file://, HTTP (git-server.ts) or SSH (sshd.ts).
 * Works on a machine without any git configuration: identity and config come from the environment.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Environment of every git the testkit runs: fixed identity and dates, no user or system config. */
export const GIT_TEST_ENV: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: 'Trueup Test',
  GIT_AUTHOR_EMAIL: 'test@trueup.invalid',
  GIT_COMMITTER_NAME: 'Trueup Test',
  GIT_COMMITTER_EMAIL: 'test@trueup.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

/** Runs git in `cwd` and returns its trimmed stdout; rejects with git's stderr. */
export async function runTestGit(cwd: string, args: readonly string[]): Promise<string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('GIT_')) env[name] = value;
  try {
    const { stdout } = await execFileAsync('git', args, { cwd, env: { ...env, ...GIT_TEST_ENV }, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr ?? String(error)}`, { cause: error });
  }
}

/**
 * A test needs a component that is not there: under CI=true that is a failure (throws), elsewhere
 * the test is skipped with the reason.
 */
export function componentMissing(t: TestContext, reason: string): void {
  if (process.env['CI'] === 'true') throw new Error(`${reason} (CI=true: a missing component fails the test)`);
  t.skip(reason);
}

let gitVersion: Promise<string | undefined> | undefined;

/** True when git is installed; otherwise fails under CI=true or skips the test. */
export async function requireGit(t: TestContext): Promise<boolean> {
  gitVersion ??= execFileAsync('git', ['--version']).then(({ stdout }) => stdout.trim(), () => undefined);
  if (await gitVersion !== undefined) return true;
  componentMissing(t, 'git is not installed (apt-get install git)');
  return false;
}

/** A temporary folder removed after the test (or suite) of `t`. */
export async function tempDir(t: { after: (fn: () => Promise<void>) => void }, prefix = 'trueup-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface WorkRepo {
  dir: string;
  /** Writes files (paths relative to the repository, folders created); `null` deletes a file. */
  write(files: Record<string, string | null>): Promise<void>;
  /** Stages everything and commits; returns the new commit's full SHA. */
  commit(message?: string): Promise<string>;
  /** Tags HEAD (or `rev`): annotated when a message is given. Returns the commit SHA tagged. */
  tag(name: string, options?: { message?: string; rev?: string }): Promise<string>;
  /** Creates (or moves) branch `name` to HEAD and switches to it. */
  switchBranch(name: string, options?: { create?: boolean }): Promise<void>;
  /** Pushes every branch and tag to `target` (a path or URL), forcing. */
  push(target: string): Promise<void>;
  git(...args: string[]): Promise<string>;
}

/** A new working repository on branch `main` in `dir` (created). */
export async function createWorkRepo(dir: string): Promise<WorkRepo> {
  await mkdir(dir, { recursive: true });
  await runTestGit(dir, ['init', '--quiet', '--initial-branch=main']);
  const git = (...args: string[]): Promise<string> => runTestGit(dir, args);
  return {
    dir,
    git,
    async write(files) {
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) {
          await rm(full, { force: true });
        } else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
    },
    async commit(message = 'change') {
      await git('add', '--all');
      await git('commit', '--quiet', '--allow-empty', '--message', message);
      return git('rev-parse', 'HEAD');
    },
    async tag(name, options = {}) {
      const rev = options.rev ?? 'HEAD';
      await (options.message === undefined ? git('tag', '--force', name, rev) : git('tag', '--force', '--annotate', '--message', options.message, name, rev));
      return git('rev-parse', `${name}^{commit}`);
    },
    async switchBranch(name, options = {}) {
      await (options.create === true ? git('switch', '--quiet', '--force-create', name) : git('switch', '--quiet', name));
    },
    async push(target) {
      await git('push', '--quiet', '--force', '--all', target);
      await git('push', '--quiet', '--force', '--tags', target);
    },
  };
}

/**
 * A bare repository `<root>/<name>` as a server holds it: HEAD on `main`, pushes over HTTP
 * allowed, and any commit fetchable by SHA (`uploadpack.allowAnySHA1InWant`, unless disabled).
 */
export async function createServedRepo(root: string, name: string, options: { allowAnySha?: boolean } = {}): Promise<string> {
  const path = join(root, name);
  await mkdir(path, { recursive: true });
  await runTestGit(path, ['init', '--quiet', '--bare', '--initial-branch=main']);
  await runTestGit(path, ['config', 'http.receivepack', 'true']);
  await runTestGit(path, ['config', 'uploadpack.allowAnySHA1InWant', String(options.allowAnySha ?? true)]);
  return path;
}
