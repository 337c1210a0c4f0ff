/**
 * `uses: trueup/deploy` with `application:` and `target: ssh://…`: the Application is applied on
 * a Linux host by the host's own one-shot `trueup sync`, so push and pull produce the same bytes.
 * The runner pins the Application's source to one commit, sends a Git bundle of it with the
 * Application (its source rewritten to the bundle, at that commit) over SSH as a tar on stdin,
 * and the host runs `trueup sync -o json` against it. The step's output is that JSON; the
 * deployment goes into the hub's ledger.
 *
 *   with:
 *     application: deploy/web.yaml      (in the workspace; its destination is a host)
 *     target: ssh://deploy@web-1:22
 *     trueup: /usr/local/bin/trueup      (on the host; default `trueup` on its PATH)
 *     state-dir: /var/lib/trueup         (on the host; default trueup's own)
 *     timeout: 5m                        (the health wait)
 *     ssh-key-secret / known-hosts-secret as for files
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { create } from 'tar';
import { ApplicationSchema, describeStatusError, parseYamlDocuments, stringifyYaml, validateDocument, type ApplicationStatus } from '@trueup/api';
import { loadAuth, parseRepoUrl, runGit, type GitAuth } from '@trueup/git';
import { applicationFileIn, parseStepTimeout, recordDeployment } from './deploy-record.ts';
import { RunnerErrors } from './errors.ts';
import { activeSignal, type JobState } from './job-state.ts';
import { shellQuote, sshExec, sshSetup } from './ssh-client.ts';

/** The repository URL the Application carries to the host, replaced there by the unpacked bundle's. */
const BUNDLE_PLACEHOLDER = 'file:///trueup-deploy-bundle';
const DEPLOY_BRANCH = 'refs/heads/trueup-deploy';
/** Exit codes of the host script's own checks (trueup sync exits 0, 1 or 2). */
const EXIT_NO_TRUEUP = 90;
const EXIT_NO_GIT = 91;

export async function deployApplicationOverSsh(job: JobState, withs: Record<string, string>): Promise<{ outcome: 'success'; outputs: Record<string, string> }> {
  const file = withs.application ?? '';
  const appFile = await applicationFileIn(job, file);
  const timeoutMs = parseStepTimeout(withs.timeout || '5m');
  const trueup = withs.trueup || 'trueup';
  const stateDir = withs['state-dir'] ?? '';
  if (stateDir !== '' && !stateDir.startsWith('/')) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "state-dir" must be an absolute folder on the host, not "${stateDir}"`);
  const dir = await mkdtemp(join(job.dirs.temp, 'deploy-'));
  try {
    const { target, shown, credentials } = await sshSetup(job, withs, dir);
    const upload = join(dir, 'upload');
    await mkdir(upload);
    const pinned = await pinApplication(job, appFile, file, upload, join(dir, 'source.git'));
    job.log.note(`[trueup] applying ${file} at ${pinned.revision} on ${shown} with its trueup sync`);
    const remote = hostScript({ trueup, stateDir, timeoutSeconds: Math.ceil(timeoutMs / 1000) });
    const record = (result: 'succeeded' | 'failed', details: Record<string, string | number | boolean>): Promise<void> => recordDeployment(job, { target: shown, result, details: { application: pinned.name, ...details } });
    let status: ApplicationStatus;
    try {
      const exit = await sshExec(job, target, credentials, remote, Readable.from(create({ cwd: upload, portable: true }, ['source.bundle', 'application.yaml'])), { captureStdout: true });
      status = hostStatus(exit, { host: target.host, trueup });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await record('failed', { appliedRevision: pinned.revision, error: message.slice(0, 2000) }).catch((recordError: unknown) => job.log.note(`[trueup] recording the deployment failed: ${String(recordError)}`));
      throw error;
    }
    const error = statusError(status);
    await record(error === undefined ? 'succeeded' : 'failed', { appliedRevision: status.revision, sync: status.sync, health: status.health.status, ...(error === undefined ? {} : { error: error.slice(0, 2000) }) });
    if (error !== undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy of ${file} on ${shown}: ${error}`);
    job.log.note(`[trueup] ${status.name}: ${status.sync}, ${status.health.status} at ${status.revision} on ${shown}`);
    return { outcome: 'success', outputs: { status: JSON.stringify(status), revision: status.revision, sync: status.sync, health: status.health.status, target: shown } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Resolves the Application's source to one commit, writes a bundle of it and the Application
 * pinned to it (source: the bundle, ref: the commit, no credentials) into `upload`.
 */
async function pinApplication(job: JobState, appFile: string, file: string, upload: string, gitDir: string): Promise<{ name: string; revision: string }> {
  const documents = parseYamlDocuments(await readFile(appFile, 'utf8'), file);
  const [document] = documents;
  if (document === undefined || documents.length !== 1) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: ${file} must hold exactly one Application`);
  const application = validateDocument(ApplicationSchema, document, file);
  if (application.spec.destination.host === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: ${file}: over SSH the Application's destination must be a host (spec.destination.host); a Kubernetes destination takes a kubeconfig secret and no target`);
  const repoURLs = repositoryUrls(document.value);
  if (repoURLs !== 1) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: ${file}: over SSH the Application must have one Git source (spec.source), not ${repoURLs} repositories`);
  const source = application.spec.source;
  const repo = parseRepoUrl(source.repoURL);
  const auth = await loadAuth(source.credentials, repo.transport, dirname(appFile), repo.userinfo);
  try {
    const git = (args: string[]): Promise<string> => runSourceGit(job, gitDir, auth, repo.display, args);
    await mkdir(gitDir);
    await git(['init', '--quiet', '--bare']);
    // The whole history of the ref: a bundle of a shallow commit cannot be unpacked elsewhere.
    await git(['fetch', '--no-tags', '--quiet', repo.url, `+${source.ref}:refs/trueup/fetched`]);
    const revision = await git(['rev-parse', '--verify', 'refs/trueup/fetched^{commit}']);
    await git(['update-ref', DEPLOY_BRANCH, revision]);
    await git(['bundle', 'create', '--quiet', join(upload, 'source.bundle'), DEPLOY_BRANCH]);
    const pinned = structuredClone(document.value) as { spec: { source: Record<string, unknown> } };
    pinned.spec.source.repoURL = `${BUNDLE_PLACEHOLDER}/source.git`;
    pinned.spec.source.ref = revision;
    delete pinned.spec.source.credentials;
    await writeFile(join(upload, 'application.yaml'), stringifyYaml(pinned));
    return { name: application.metadata.name, revision };
  } finally {
    await rm(gitDir, { recursive: true, force: true });
  }
}

async function runSourceGit(job: JobState, gitDir: string, auth: GitAuth, display: string, args: string[]): Promise<string> {
  const result = await runGit({ args: [`--git-dir=${gitDir}`, ...args], cwd: gitDir, auth, timeoutMs: 10 * 60_000, signal: activeSignal(job), target: display });
  if (result.exitCode !== 0) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: git ${args[0] ?? ''} of ${display}: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.exitCode}`}`);
  return result.stdout.trim();
}

/** How many `repoURL` fields the document holds (every source of an Application has one). */
function repositoryUrls(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + repositoryUrls(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.entries(value).reduce((sum, [key, item]) => sum + (key === 'repoURL' ? 1 : repositoryUrls(item)), 0);
}

/**
 * The host's side, a POSIX shell script: check trueup and git are there, unpack the tar from
 * stdin into a fresh folder, turn the bundle into a repository, point the Application at it,
 * run one `trueup sync -o json`, remove the folder.
 */
export function hostScript(options: { trueup: string; stateDir: string; timeoutSeconds: number }): string {
  const trueup = shellQuote(options.trueup);
  return [
    'set -eu',
    `command -v ${trueup} >/dev/null 2>&1 || { echo "trueup/deploy: no ${options.trueup.replace(/[^A-Za-z0-9._/-]/g, '?')} on this host" >&2; exit ${EXIT_NO_TRUEUP}; }`,
    `command -v git >/dev/null 2>&1 || { echo "trueup/deploy: no git on this host" >&2; exit ${EXIT_NO_GIT}; }`,
    'd=$(mktemp -d "${TMPDIR:-/tmp}/trueup-deploy.XXXXXX")',
    'trap \'rm -rf "$d"\' EXIT',
    'tar -x -f - -C "$d"',
    'git init --quiet --bare "$d/source.git"',
    `git --git-dir="$d/source.git" fetch --quiet "$d/source.bundle" ${DEPLOY_BRANCH}:${DEPLOY_BRANCH}`,
    `sed "s#${BUNDLE_PLACEHOLDER}#file://$d#" "$d/application.yaml" > "$d/pinned.yaml"`,
    'set +e',
    `${trueup} sync "$d/pinned.yaml" -o json --timeout ${options.timeoutSeconds}s${options.stateDir === '' ? '' : ` --state-dir ${shellQuote(options.stateDir)}`}`,
    'code=$?',
    'exit $code',
  ].join('\n');
}

/** The status the host's `trueup sync -o json` printed, or an error saying what kept it from running. */
function hostStatus(exit: { code: number; stdout: string; stderr: string }, context: { host: string; trueup: string }): ApplicationStatus {
  if (exit.code === EXIT_NO_TRUEUP) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: trueup is not installed on ${context.host} (no "${context.trueup}" on the PATH of the SSH user): install it there, or give its path in the step's "trueup" input`);
  if (exit.code === EXIT_NO_GIT) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: git is not installed on ${context.host}: the host unpacks the pinned revision with it`);
  const lastError = exit.stderr.trim().split('\n').at(-1) ?? '';
  if (exit.code > 2) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy on ${context.host}: exit ${exit.code}: ${lastError}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(exit.stdout);
  } catch {
    throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy on ${context.host}: trueup sync printed no status JSON (exit ${exit.code}): ${lastError}`);
  }
  const [status] = (parsed as { applications?: ApplicationStatus[] }).applications ?? [];
  if (status === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy on ${context.host}: trueup sync reported no application (exit ${exit.code}): ${lastError}`);
  return status;
}

/** Why the pass does not count as deployed: an error, or not Synced and Healthy at the end. */
export function statusError(status: ApplicationStatus): string | undefined {
  if (status.error !== undefined) return `${describeStatusError(status.error)} [${status.error.code}]`;
  if (status.sync === 'Synced' && status.health.status === 'Healthy') return undefined;
  const unhealthy = status.resources.filter((r) => r.health.status !== 'Healthy').map((r) => `${r.kind}/${r.name}: ${r.health.status}${r.health.message === undefined ? '' : ` ${r.health.message}`}`);
  return `ended ${status.sync}/${status.health.status}${unhealthy.length === 0 ? '' : `: ${unhealthy.join('; ')}`}`;
}
