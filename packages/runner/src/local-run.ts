/**
 * `trueup run`: a workflow of the current checkout run by this process's executor, with no
 * hub. Uncommitted changes to tracked files are included (`git stash create` makes a commit of
 * them without touching the work tree); artifacts stay in the run's folder.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { JsonValue } from '@trueup/api';
import { findWorkflowFile, readWorkflow, resolveInputs, triggers, WorkflowErrors, type RunContext, type Workflow } from '@trueup/workflow';
import { LocalArtifactStore } from './artifact-store.ts';
import { git, LocalRepoSource } from './checkout-source.ts';
import { RunnerErrors } from './errors.ts';
import { parseKeyValueFile } from './file-commands.ts';
import type { Isolation } from './isolation.ts';
import type { ApplicationDeployer } from './application-deployer.ts';
import type { HandoffSteps } from './handoff-steps.ts';
import { ownerAlive, ownerId } from './processes.ts';
import { runWorkflow, type JobExecutor, type WorkflowRunHooks, type WorkflowRunResult } from './run-workflow.ts';

export interface LocalRunRequest {
  repoDir: string;
  workflow?: string | undefined;
  jobs?: readonly string[];
  event: 'push' | 'workflow_dispatch';
  inputs: Record<string, string>;
  secretFile?: string | undefined;
  /** Where jobs and artifacts go; default a folder under the system temp dir, removed after. */
  workRoot?: string | undefined;
  parallelJobs?: number;
  signal?: AbortSignal;
  /** A second cancel: steps that run after a cancel (always()) are stopped too. */
  forceSignal?: AbortSignal;
  cleanupGraceMs?: number;
  logCapBytes?: number;
  /** Default: bubblewrap when it works here. */
  isolation?: Isolation;
  /** `trueup/gitops-set` and `trueup/wait-healthy`, through a hub. */
  handoff?: HandoffSteps;
  /** `trueup/deploy` with `application:`. */
  applications?: ApplicationDeployer;
}

export interface LocalRun {
  workflow: Workflow;
  sha: string;
  ref: string;
  dirty: boolean;
  result: WorkflowRunResult;
}

async function checkoutRoot(dir: string): Promise<string> {
  try {
    return await git(['rev-parse', '--show-toplevel'], dir);
  } catch {
    throw RunnerErrors.create('RUNNER_NOT_A_CHECKOUT', `${dir} is not in a Git checkout: run it inside the repository, or give --dir`);
  }
}

export async function prepareLocalRun(request: LocalRunRequest): Promise<{ workflow: Workflow; run: RunContext; sha: string; ref: string; dirty: boolean; notes: string[] }> {
  const notes: string[] = [];
  const top = await checkoutRoot(request.repoDir);
  const file = await findWorkflowFile(top, request.workflow);
  const workflow = await readWorkflow(top, file);
  const head = await git(['rev-parse', '--verify', '-q', 'HEAD'], top).catch(() => {
    throw RunnerErrors.create('RUNNER_NOT_A_CHECKOUT', `${top} has no commit yet: commit the workflow first`);
  });
  const stash = await git(['stash', 'create'], top);
  const sha = stash === '' ? head : stash;
  const ref = await git(['symbolic-ref', '-q', 'HEAD'], top).catch(() => head);
  if (!triggers(workflow.on, request.event === 'push' ? { name: 'push', ref } : { name: 'workflow_dispatch' })) {
    const declared = workflow.on.push === undefined ? 'no push trigger' : `its push filters do not select ${ref}`;
    if (request.event === 'workflow_dispatch' || workflow.on.push === undefined) {
      throw WorkflowErrors.create('WORKFLOW_UNSUPPORTED', `${workflow.file} has ${request.event === 'workflow_dispatch' ? 'no workflow_dispatch trigger' : declared}; run it with --event ${workflow.on.push === undefined ? 'workflow_dispatch' : 'push'}`, { file: workflow.file });
    }
    notes.push(`${workflow.file}: ${declared}, so a push would not start it; running it as asked`);
  }
  const inputs: Record<string, JsonValue> = request.event === 'workflow_dispatch' ? resolveInputs(workflow.file, workflow.on.workflowDispatch?.inputs ?? {}, request.inputs) : {};
  if (request.event === 'push' && Object.keys(request.inputs).length > 0) throw WorkflowErrors.create('WORKFLOW_INPUT_INVALID', 'inputs are given to --event workflow_dispatch only');
  const secrets = request.secretFile === undefined ? {} : await readSecretFile(request.secretFile);
  const runId = randomUUID();
  const refName = ref.replace(/^refs\/(heads|tags)\//, '');
  const actor = await git(['config', 'user.name'], top).catch(() => 'local');
  const github: Record<string, JsonValue> = {
    event_name: request.event, ref, ref_name: refName, ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch', sha,
    repository: basename(top), workflow: workflow.name, run_id: runId, run_number: 1, run_attempt: 1, actor, triggering_actor: actor,
    server_url: '', event: request.event === 'workflow_dispatch' ? { inputs } : { ref, after: sha },
  };
  return { workflow, sha, ref, dirty: stash !== '', notes, run: { runId, github, inputs, vars: {}, secrets } };
}

export async function localRun(request: LocalRunRequest, hooks: WorkflowRunHooks, execute?: JobExecutor): Promise<LocalRun> {
  const prepared = await prepareLocalRun(request);
  for (const note of prepared.notes) hooks.onNote(note);
  const top = await checkoutRoot(request.repoDir);
  const ownRoot = request.workRoot === undefined;
  if (ownRoot) await removeStaleRunDirs(tmpdir());
  const workRoot = request.workRoot ?? join(tmpdir(), `${RUN_DIR_PREFIX}${prepared.run.runId}`);
  await mkdir(workRoot, { recursive: true });
  if (ownRoot) await writeFile(join(workRoot, OWNER_FILE), await ownerId());
  try {
    const result = await runWorkflow(
      { workflow: prepared.workflow, run: prepared.run, ...(request.jobs === undefined ? {} : { only: request.jobs }), ...(request.parallelJobs === undefined ? {} : { parallelJobs: request.parallelJobs }) },
      {
        workRoot: join(workRoot, 'jobs'),
        checkout: new LocalRepoSource(top, prepared.sha),
        artifacts: new LocalArtifactStore(join(workRoot, 'artifacts')),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(request.forceSignal === undefined ? {} : { forceSignal: request.forceSignal }),
        ...(request.cleanupGraceMs === undefined ? {} : { cleanupGraceMs: request.cleanupGraceMs }),
        ...(request.logCapBytes === undefined ? {} : { logCapBytes: request.logCapBytes }),
        ...(request.isolation === undefined ? {} : { isolation: request.isolation }),
        ...(request.handoff === undefined ? {} : { handoff: request.handoff }),
        ...(request.applications === undefined ? {} : { applications: request.applications }),
      },
      hooks,
      execute,
    );
    return { workflow: prepared.workflow, sha: prepared.sha, ref: prepared.ref, dirty: prepared.dirty, result };
  } finally {
    if (ownRoot) await rm(workRoot, { recursive: true, force: true });
  }
}

const RUN_DIR_PREFIX = 'trueup-run-';
const OWNER_FILE = 'owner';

/** Removes the folders of runs whose runner was killed before it could remove them. */
export async function removeStaleRunDirs(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const owner = await readFile(join(dir, name, OWNER_FILE), 'utf8').catch(() => undefined);
    if (owner === undefined || (await ownerAlive(owner.trim()))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** `NAME=value` lines, or `NAME<<EOF` … `EOF` for multi-line values; `#` starts a comment line. */
export async function readSecretFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw RunnerErrors.create('RUNNER_SECRET_FILE_INVALID', `cannot read ${file}: ${(error as Error).message}`, { file });
  }
  try {
    return parseKeyValueFile(text.split('\n').filter((line) => !line.startsWith('#')).join('\n'), file);
  } catch (error) {
    throw RunnerErrors.create('RUNNER_SECRET_FILE_INVALID', (error as Error).message, { file });
  }
}
