/**
 * What starts runs by itself: new commits on tracked repositories (found by the shared poll or
 * at once by the git webhook) and `schedule` crons. Each repository has a bare mirror in the
 * data dir; a ref that moved is checked against each workflow's `on.push` filters with the
 * paths changed since the last commit seen, at the new commit's own workflows. Commits made by
 * Trueup itself (trailer `Trueup-Automated: true`) start nothing.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoKey, type RepoSecrets } from '@trueup/api';
import type { HubStore, PipelineRepoRecord } from '@trueup/store';
import { loadWorkflow, triggers, WORKFLOWS_DIR, type Workflow } from '@trueup/workflow';
import { Cron } from 'croner';
import { HubErrors } from './errors.ts';
import type { PipelineRuns } from './pipeline-runs.ts';
import type { RepoCredentials } from './repo-credentials.ts';

const exec = promisify(execFile);
export const AUTOMATED_TRAILER = 'Trueup-Automated';
/** How often tracked repositories are polled when no webhook says so sooner. */
export const PIPELINE_POLL_MS = 60_000;

export class PipelineTriggers {
  readonly #store: HubStore;
  readonly #runs: PipelineRuns;
  readonly #dir: string;
  readonly #now: () => number;
  readonly #log: (message: string) => void;
  readonly #timer: NodeJS.Timeout;
  /** One scan per repository at a time; a scan asked meanwhile runs once after it. */
  readonly #scans = new Map<string, { running: Promise<void>; again: boolean }>();
  /** Cron jobs per repository, made from the default branch's workflows. */
  readonly #crons = new Map<string, Cron[]>();

  readonly #credentials: RepoCredentials | undefined;

  constructor(deps: { store: HubStore; runs: PipelineRuns; dataDir: string; now: () => number; log: (message: string) => void; pollMs?: number; credentials?: RepoCredentials }) {
    this.#credentials = deps.credentials;
    this.#store = deps.store;
    this.#runs = deps.runs;
    this.#dir = join(deps.dataDir, 'pipeline-repos');
    this.#now = deps.now;
    this.#log = deps.log;
    this.#timer = setInterval(() => void this.scanAll(), deps.pollMs ?? PIPELINE_POLL_MS);
    this.#timer.unref();
  }

  /** Tracks a repository from now on: its current commits are recorded, not run. */
  async add(url: string, actor: string, secrets?: RepoSecrets): Promise<PipelineRepoRecord> {
    const record = { key: repoKey(url), url, createdBy: actor, createdAt: this.#now() };
    if (secrets !== undefined && this.#credentials === undefined) throw HubErrors.create('HUB_UNAVAILABLE', 'this hub keeps no repository credentials');
    const heads = await this.#fetch(record, secrets);
    if (!(await this.#store.pipelineRepos.add(record))) throw HubErrors.create('HUB_CONFLICT', `${record.key} is tracked already`);
    if (secrets !== undefined && this.#credentials !== undefined) await this.#store.pipelineRepos.setCredentials(record.key, this.#credentials.seal(url, secrets));
    for (const [ref, sha] of heads) await this.#store.pipelineRepos.setHead(record.key, ref, sha);
    await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'pipeline-repo-added', actor, details: { repository: url, refs: heads.size } });
    await this.#schedule(record, heads);
    return record;
  }

  async start(): Promise<void> {
    for (const repo of await this.#store.pipelineRepos.list()) {
      await this.#schedule(repo, await this.#store.pipelineRepos.heads(repo.key)).catch((error: unknown) => this.#log(`schedules of ${repo.key}: ${String(error)}`));
    }
  }

  async scanAll(): Promise<void> {
    for (const repo of await this.#store.pipelineRepos.list().catch(() => [])) await this.scan(repo.key);
  }

  /** Looks for new commits on one tracked repository (by its key), e.g. on a webhook. */
  async scan(key: string): Promise<void> {
    const current = this.#scans.get(key);
    if (current !== undefined) {
      current.again = true;
      return current.running;
    }
    const state = { running: Promise.resolve(), again: false };
    state.running = (async () => {
      do {
        state.again = false;
        const repo = (await this.#store.pipelineRepos.list()).find((r) => r.key === key);
        if (repo === undefined) return;
        await this.#scanOnce(repo).catch((error: unknown) => this.#log(`pipelines: scanning ${repo.url}: ${error instanceof Error ? error.message : String(error)}`));
      } while (state.again);
    })().finally(() => this.#scans.delete(key));
    this.#scans.set(key, state);
    return state.running;
  }

  async #scanOnce(repo: PipelineRepoRecord): Promise<void> {
    const seen = await this.#store.pipelineRepos.heads(repo.key);
    const heads = await this.#fetch(repo);
    for (const [ref, sha] of heads) {
      const before = seen.get(ref);
      if (before === sha) continue;
      await this.#pushed(repo, ref, before, sha);
      await this.#store.pipelineRepos.setHead(repo.key, ref, sha);
    }
    for (const ref of seen.keys()) if (!heads.has(ref)) await this.#store.pipelineRepos.setHead(repo.key, ref, undefined);
    if ([...heads].some(([ref, sha]) => seen.get(ref) !== sha)) await this.#schedule(repo, heads);
  }

  async #pushed(repo: PipelineRepoRecord, ref: string, before: string | undefined, sha: string): Promise<void> {
    const git = this.#git(repo);
    const trailer = await git(['log', '-1', `--format=%(trailers:key=${AUTOMATED_TRAILER},valueonly)`, sha]);
    if (trailer.split('\n').some((value) => value.trim().toLowerCase() === 'true')) return;
    const changedPaths = before === undefined ? undefined : await git(['diff', '--name-only', '--no-renames', before, sha]).then((out) => out.split('\n').filter((line) => line !== '')).catch(() => undefined);
    for (const workflow of await this.#workflows(repo, sha)) {
      if (!triggers(workflow.on, { name: 'push', ref, changedPaths })) continue;
      await this.#runs.start(workflow, { repository: repo.url, ref, sha, event: 'push', inputs: {}, actor: 'push' });
    }
  }

  /** The workflows at a commit; a broken one is put in the ledger (naming file and line) and skipped. */
  async #workflows(repo: PipelineRepoRecord, sha: string): Promise<Workflow[]> {
    const git = this.#git(repo);
    const files = (await git(['ls-tree', '--name-only', `${sha}:${WORKFLOWS_DIR}`]).catch(() => '')).split('\n').filter((name) => /\.ya?ml$/.test(name));
    const workflows: Workflow[] = [];
    for (const name of files.sort()) {
      const file = `${WORKFLOWS_DIR}/${name}`;
      try {
        workflows.push(await loadWorkflow(file, await git(['show', `${sha}:${file}`])));
      } catch (error) {
        await this.#store.ledger.append({ environment: '', at: this.#now(), kind: 'workflow-invalid', details: { repository: repo.url, sha, file, error: error instanceof Error ? error.message : String(error) } });
      }
    }
    return workflows;
  }

  /** Cron jobs for the `schedule` triggers of the default branch's workflows. */
  async #schedule(repo: PipelineRepoRecord, heads: Map<string, string>): Promise<void> {
    for (const job of this.#crons.get(repo.key) ?? []) job.stop();
    this.#crons.delete(repo.key);
    const head = await this.#git(repo)(['symbolic-ref', '-q', 'HEAD']).catch(() => 'refs/heads/main');
    const sha = heads.get(head);
    if (sha === undefined) return;
    const jobs: Cron[] = [];
    for (const workflow of await this.#workflows(repo, sha)) {
      for (const { cron } of workflow.on.schedule ?? []) {
        jobs.push(new Cron(cron, { timezone: 'UTC', protect: true }, () => {
          void this.#runs.start(workflow, { repository: repo.url, ref: head, sha, event: 'schedule', inputs: {}, actor: 'schedule', schedule: cron })
            .catch((error: unknown) => this.#log(`schedule "${cron}" of ${workflow.file}: ${String(error)}`));
        }));
      }
    }
    this.#crons.set(repo.key, jobs);
  }

  /** Fetches the mirror; returns each branch and tag with its commit. */
  async #fetch(repo: { key: string; url: string }, secrets?: RepoSecrets): Promise<Map<string, string>> {
    const git = this.#git(repo);
    const dir = this.#mirror(repo);
    // A private repository's credentials: only for the commands that reach it.
    const reach = (args: string[], cwd: string): Promise<string> => this.#credentials === undefined
      ? run(args, cwd, repo.url)
      : this.#credentials.withGitEnv(repo.url, (env) => run(args, cwd, repo.url, env), secrets);
    if (!existsSync(dir)) {
      await mkdir(this.#dir, { recursive: true });
      await reach(['clone', '--quiet', '--bare', '--', repo.url, dir], this.#dir);
    }
    await reach(['--git-dir', dir, 'fetch', '--quiet', '--prune', '--force', '--', repo.url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], this.#dir);
    const listing = await git(['for-each-ref', '--format=%(refname) %(objectname) %(*objectname)', 'refs/heads', 'refs/tags']);
    const heads = new Map<string, string>();
    for (const line of listing.split('\n').filter((l) => l !== '')) {
      const [ref = '', object = '', peeled = ''] = line.split(' ');
      heads.set(ref, peeled === '' ? object : peeled);
    }
    return heads;
  }

  #mirror(repo: { key: string }): string {
    return join(this.#dir, `${createHash('sha256').update(repo.key).digest('hex').slice(0, 24)}.git`);
  }

  #git(repo: { key: string; url: string }): (args: string[]) => Promise<string> {
    return (args) => run(['--git-dir', this.#mirror(repo), ...args], this.#dir, repo.url);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const jobs of this.#crons.values()) for (const job of jobs) job.stop();
  }
}

async function run(args: string[], cwd: string, url: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await exec('git', args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', GIT_TERMINAL_PROMPT: '0', LANG: 'C', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 5 * 60_000 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw HubErrors.create('HUB_REQUEST_INVALID', `git ${args.find((a) => !a.startsWith('-') && !a.includes('/')) ?? ''} of ${url}: ${stderr === undefined || stderr === '' ? (error as Error).message : stderr}`, { field: 'repository' });
  }
}
