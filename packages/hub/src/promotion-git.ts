/**
 * The promotion engine's read side of Git: a bare mirror per repository in the hub's data dir,
 * fetched on demand, to read `.trueup/promotions/*.yml` at a branch's tip and to ask whether a
 * commit the hub wrote is contained in the revision an agent applied.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HubErrors } from './errors.ts';

const exec = promisify(execFile);
export const PROMOTIONS_DIR = '.trueup/promotions';
/** Largest promotion file read. */
const MAX_FILE_BYTES = 256 * 1024;

export class PromotionGit {
  readonly #dir: string;
  /** One fetch per repository at a time. */
  readonly #fetches = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Fetches every branch of `url`; returns the tip of `ref`. */
  async tip(url: string, ref: string): Promise<string> {
    await this.fetch(url);
    return this.#git(url, ['rev-parse', '--verify', '--end-of-options', `refs/heads/${ref}^{commit}`]).catch(() => {
      throw HubErrors.create('HUB_REQUEST_INVALID', `no branch "${ref}" in ${url}`, { field: 'ref' });
    });
  }

  /** The promotion files at a commit: path and text, sorted by path. */
  async promotionFiles(url: string, sha: string): Promise<{ file: string; text: string }[]> {
    const listing = await this.#git(url, ['ls-tree', '--name-only', `${sha}:${PROMOTIONS_DIR}`]).catch(() => '');
    const files: { file: string; text: string }[] = [];
    for (const name of listing.split('\n').filter((line) => /\.ya?ml$/.test(line)).sort()) {
      const file = `${PROMOTIONS_DIR}/${name}`;
      const size = Number(await this.#git(url, ['cat-file', '-s', `${sha}:${file}`]));
      if (size > MAX_FILE_BYTES) {
        files.push({ file, text: `# too large: ${size} bytes, at most ${MAX_FILE_BYTES}\n---\n---\n` });
        continue;
      }
      files.push({ file, text: await this.#git(url, ['show', `${sha}:${file}`], false) });
    }
    return files;
  }

  /** True when `ancestor` is `descendant` or one of its ancestors (fetching first when either is unknown). */
  async contains(url: string, descendant: string, ancestor: string): Promise<boolean> {
    const known = async (): Promise<boolean> => (await Promise.all([descendant, ancestor].map((sha) => this.#git(url, ['cat-file', '-e', `${sha}^{commit}`]).then(() => true, () => false)))).every(Boolean);
    if (!existsSync(this.#mirror(url)) || !(await known())) await this.fetch(url);
    if (!(await known())) return false;
    return this.#git(url, ['merge-base', '--is-ancestor', ancestor, descendant]).then(() => true, () => false);
  }

  async fetch(url: string): Promise<void> {
    const running = this.#fetches.get(url);
    if (running !== undefined) return running;
    const fetching = (async () => {
      const dir = this.#mirror(url);
      if (!existsSync(dir)) {
        await mkdir(this.#dir, { recursive: true });
        await run(['init', '--quiet', '--bare', dir], this.#dir, url);
      }
      await this.#git(url, ['fetch', '--quiet', '--prune', '--force', '--no-tags', '--', url, '+refs/heads/*:refs/heads/*']);
    })().finally(() => this.#fetches.delete(url));
    this.#fetches.set(url, fetching);
    return fetching;
  }

  #mirror(url: string): string {
    return join(this.#dir, `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
  }

  #git(url: string, args: string[], trim = true): Promise<string> {
    return run(['--git-dir', this.#mirror(url), ...args], this.#dir, url, trim);
  }
}

async function run(args: string[], cwd: string, url: string, trim = true): Promise<string> {
  try {
    const { stdout } = await exec('git', args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', GIT_TERMINAL_PROMPT: '0', LANG: 'C' }, maxBuffer: 16 * 1024 * 1024, timeout: 2 * 60_000 });
    return trim ? stdout.trim() : stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    const display = url.replace(/\/\/[^@/]*@/, '//');
    throw HubErrors.create('HUB_REQUEST_INVALID', `git ${args.find((a) => !a.startsWith('-') && !a.includes('/')) ?? ''} of ${display}: ${stderr === undefined || stderr === '' ? (error as Error).message : stderr}`, { field: 'repoURL' });
  }
}
