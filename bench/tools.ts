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
 * Ansible's environment: its own HOME and temp dirs under `dir`, the interpreter named (no
 * discovery run), pipelining on (fewer round trips per module: its fastest documented setting).
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
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/** The CLI's environment: the caller's, with git configuration from nowhere but the repository. */
export function trueupEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_CONFIG_NOSYSTEM: '1' };
}
