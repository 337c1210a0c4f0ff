/** How the benchmark runs each tool as a whole process: the `trueup` CLI and `ansible-pull`. */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
/** The CLI entry point `node_modules/.bin/trueup` runs (its shebang would pick this same node). */
export const TRUEUP_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'trueup');

export function trueupArgv(...args: string[]): string[] {
  return [process.execPath, TRUEUP_BIN, ...args];
}

/** The absolute path of ansible-pull, or undefined when it is not installed. */
export function findAnsiblePull(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v ansible-pull'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function ansiblePullArgv(ansiblePull: string, options: { repoURL: string; checkout: string; root: string; onlyIfChanged?: boolean }): string[] {
  return [
    ansiblePull, '-U', options.repoURL, '-C', 'main', '-d', options.checkout,
    '-i', 'localhost,', '-c', 'local', '-e', `root=${options.root}`,
    ...(options.onlyIfChanged === true ? ['--only-if-changed'] : []),
    'ansible/playbook.yml',
  ];
}

/**
 * Ansible's environment: its own HOME and temp dirs under `dir` and the interpreter named (no
 * discovery warning); otherwise defaults. Pipelining was tried: it made no difference locally
 * (100-file copy, 29 s with and 28 s without), so it stays at its default (off).
 */
export function ansibleEnv(dir: string): NodeJS.ProcessEnv {
  const home = join(dir, 'home');
  for (const d of [home, join(dir, 'local-tmp'), join(dir, 'remote-tmp')]) mkdirSync(d, { recursive: true });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: home,
    ANSIBLE_LOCAL_TEMP: join(dir, 'local-tmp'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'remote-tmp'),
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/**
 * The CLI's environment: the caller's, without system git configuration. The Node.js compile
 * cache is the one installed with the CLI (warmed by `npm install`), or with `emptyCompileCache`
 * a folder of the caller's (empty at first: a host whose cache is missing).
 */
export function trueupEnv(emptyCompileCache?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1' };
  delete env.NODE_COMPILE_CACHE;
  if (emptyCompileCache !== undefined) env.NODE_COMPILE_CACHE = emptyCompileCache;
  return env;
}

/** Runs the repository's `postinstall` (what `npm install` runs: it warms the CLI's compile cache). */
export function warmInstalledCompileCache(): string {
  try {
    execFileSync('npm', ['run', '--silent', 'postinstall'], { cwd: REPO_ROOT, stdio: 'ignore' });
    return 'warmed by `npm run postinstall`';
  } catch (error) {
    return `not warmed (npm run postinstall failed: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)})`;
  }
}

/** The commit checked out, and how many files outside bench/ and docs/ differ from it. */
export function gitState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '.', ':!bench', ':!docs'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter((l) => l !== '').length;
    return dirty === 0 ? head : `${head} + ${dirty} uncommitted file(s)`;
  } catch {
    return 'unknown';
  }
}
