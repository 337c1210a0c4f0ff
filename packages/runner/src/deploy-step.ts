/**
 * `uses: trueup/deploy` to a Linux host over SSH: copies files of the workspace to a folder on
 * the host and runs commands there, with the system's OpenSSH client (`ssh`). The key and the
 * host keys come from the job's secrets — on a hub, an environment's secrets reach only a job
 * whose environment rules passed — and the host key is pinned: an unknown or changed host key
 * is refused, and without known hosts the step does not connect at all. The deployment goes
 * into the hub's ledger (environment, revision, run, job, who).
 *
 *   with:
 *     target: ssh://deploy@web-1.example.com:22      (or deploy@web-1.example.com)
 *     files: dist                                     (workspace paths, one a line; optional)
 *     to: /srv/app                                    (folder on the host the files go under)
 *     run: systemctl --user restart app               (commands on the host, after the copy; optional)
 *     ssh-key-secret: SSH_PRIVATE_KEY                 (default)
 *     known-hosts-secret: SSH_KNOWN_HOSTS             (default)
 *
 * With `application:` too, the host applies that Application with its own `trueup sync`
 * (ssh-application.ts); with `application:` alone, the runner applies it (a Kubernetes
 * destination, through the injected deployer).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { create } from 'tar';
import { RunnerErrors } from './errors.ts';
import { activeSignal, type JobState } from './job-state.ts';
import { applicationFileIn, jobRevision, parseStepTimeout, recordDeployment } from './deploy-record.ts';
import { deployApplicationOverSsh } from './ssh-application.ts';
import { runSsh, shellQuote, sshSetup } from './ssh-client.ts';

export { parseSshTarget, shellQuote, type SshTarget } from './ssh-client.ts';

export async function runDeployStep(job: JobState, withs: Record<string, string>): Promise<{ outcome: 'success'; outputs: Record<string, string> }> {
  const application = (withs.application ?? '') !== '';
  if (application && (withs.target ?? '') !== '') return deployApplicationOverSsh(job, withs);
  if (application) return deployApplication(job, withs);
  const files = (withs.files ?? '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const to = withs.to ?? '';
  const commands = withs.run ?? '';
  const revision = jobRevision(job) ?? '';
  const dir = await mkdtemp(join(job.dirs.temp, 'deploy-'));
  try {
    const { target, shown, credentials } = await sshSetup(job, withs, dir);
    if (files.length > 0 && !to.startsWith('/')) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "to" must be an absolute folder on the host when "files" are given, not "${to}"`);
    if (files.length === 0 && commands.trim() === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: nothing to do: give "files" (with "to") and/or "run"');
    const record = (result: 'succeeded' | 'failed', details?: Record<string, string | number | boolean>): Promise<void> => recordDeployment(job, { target: shown, result, details });
    try {
      const ssh = (remote: string, input: Readable | undefined): Promise<void> => runSsh(job, target, credentials, remote, input);
      if (files.length > 0) {
        const paths = await workspacePaths(job, files);
        job.log.note(`[trueup] copying ${paths.join(', ')} to ${shown}${to}`);
        await ssh(`mkdir -p -- ${shellQuote(to)} && tar -x -f - -C ${shellQuote(to)}`, Readable.from(create({ cwd: job.dirs.workspace, portable: true }, paths)));
      }
      if (commands.trim() !== '') {
        job.log.note(`[trueup] running on ${shown}: ${commands.trim().split('\n').length} line(s)`);
        await ssh(`cd ${to === '' ? '~' : shellQuote(to)} && ${commands}`, undefined);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await record('failed', { error: message.slice(0, 2000) }).catch((recordError: unknown) => job.log.note(`[trueup] recording the deployment failed: ${String(recordError)}`));
      throw error;
    }
    await record('succeeded');
    job.log.note(`[trueup] deployed ${revision === '' ? '' : `${revision} `}to ${shown}`);
    return { outcome: 'success', outputs: { target: shown, revision } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Workspace-relative paths of the files to copy; each must exist inside the workspace. */
async function workspacePaths(job: JobState, files: string[]): Promise<string[]> {
  const paths: string[] = [];
  for (const file of files) {
    const full = resolve(job.dirs.workspace, file);
    if (full === job.dirs.workspace || !full.startsWith(job.dirs.workspace + sep)) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "${file}" is outside the workspace`);
    if ((await stat(full).catch(() => undefined)) === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "${file}" does not exist in the workspace`);
    paths.push(relative(job.dirs.workspace, full));
  }
  return paths;
}

/**
 * `with: application: path/in/checkout/app.yaml` (and `kubeconfig-secret`, default KUBECONFIG,
 * for a Kubernetes destination; `timeout`, default 5m, for the health wait): the Application is
 * applied as the agent applies it; the step's output is the status JSON of `trueup sync -o json`.
 */
async function deployApplication(job: JobState, withs: Record<string, string>): Promise<{ outcome: 'success'; outputs: Record<string, string> }> {
  const deployer = job.options.applications;
  if (deployer === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: this runner cannot apply Applications');
  const file = withs.application ?? '';
  const appFile = await applicationFileIn(job, file);
  const secrets = (job.spec.contexts.secrets ?? {}) as Record<string, unknown>;
  const secretName = withs['kubeconfig-secret'] || 'KUBECONFIG';
  const kubeconfigText = typeof secrets[secretName] === 'string' ? secrets[secretName] : '';
  const waitHealthyMs = parseStepTimeout(withs.timeout || '5m');
  const dir = await mkdtemp(join(job.dirs.temp, 'deploy-'));
  let result;
  try {
    let kubeconfig: string | undefined;
    if (kubeconfigText !== '') {
      kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, kubeconfigText, { mode: 0o600 });
    }
    job.log.note(`[trueup] applying ${file}${kubeconfig === undefined ? '' : ` with the environment's ${secretName}`}`);
    result = await deployer.deploy(appFile, { kubeconfig, stateDir: join(dir, 'state'), waitHealthyMs, log: (line) => job.log.note(line), signal: activeSignal(job) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await recordDeployment(job, { target: `application:${file}`, result: result.error === undefined ? 'succeeded' : 'failed', details: { application: result.name, appliedRevision: result.revision, sync: result.sync, health: result.health, ...(result.error === undefined ? {} : { error: result.error.slice(0, 2000) }) } });
  const status = JSON.stringify(result.status);
  if (result.error !== undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy of ${file}: ${result.error}`);
  job.log.note(`[trueup] ${result.name}: ${result.sync}, ${result.health} at ${result.revision}`);
  return { outcome: 'success', outputs: { status, revision: result.revision, sync: result.sync, health: result.health } };
}
