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
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { create } from 'tar';
import { RunnerErrors } from './errors.ts';
import { activeSignal, type JobState } from './job-state.ts';

export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

/** `ssh://user@host[:port]` or `user@host`; the user is required (no guessing whose account deploys). */
export function parseSshTarget(text: string): SshTarget {
  const match = /^(?:ssh:\/\/)?([A-Za-z0-9._-]+)@(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(text.trim());
  const port = Number(match?.[3] ?? '22');
  if (match === null || port < 1 || port > 65535) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "target" must be ssh://USER@HOST[:PORT], not "${text}"`);
  return { user: match[1] as string, host: (match[2] as string).replace(/^\[|\]$/g, ''), port };
}

/** Single-quotes a word for the remote POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function runDeployStep(job: JobState, withs: Record<string, string>): Promise<{ outcome: 'success'; outputs: Record<string, string> }> {
  if ((withs.application ?? '') !== '') return deployApplication(job, withs);
  const targetText = withs.target ?? '';
  if (targetText === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: "target" is required (ssh://USER@HOST[:PORT])');
  const target = parseSshTarget(targetText);
  const secrets = (job.spec.contexts.secrets ?? {}) as Record<string, unknown>;
  const keyName = withs['ssh-key-secret'] || 'SSH_PRIVATE_KEY';
  const hostsName = withs['known-hosts-secret'] || 'SSH_KNOWN_HOSTS';
  const key = typeof secrets[keyName] === 'string' ? secrets[keyName] : '';
  const knownHosts = typeof secrets[hostsName] === 'string' ? secrets[hostsName] : '';
  const where = "among the job's secrets (an environment's secrets reach only a job admitted to it)";
  if (key === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: no secret ${keyName} ${where}: the SSH key comes from the environment's secrets`);
  if (knownHosts.trim() === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: no secret ${hostsName} ${where}: without the host's pinned key Trueup does not connect`);
  const files = (withs.files ?? '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const to = withs.to ?? '';
  const commands = withs.run ?? '';
  if (files.length > 0 && !to.startsWith('/')) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "to" must be an absolute folder on the host when "files" are given, not "${to}"`);
  if (files.length === 0 && commands.trim() === '') throw RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: nothing to do: give "files" (with "to") and/or "run"');
  const github = job.spec.contexts.github;
  const sha = typeof github === 'object' && github !== null && !Array.isArray(github) ? github.sha : undefined;
  const revision = typeof sha === 'string' ? sha : '';
  const shown = `ssh://${target.user}@${target.host}:${target.port}`;
  const dir = await mkdtemp(join(job.dirs.temp, 'deploy-'));
  const record = async (result: 'succeeded' | 'failed', why?: string): Promise<void> => {
    const handoff = job.options.handoff;
    if (handoff?.recordDeployment === undefined) {
      job.log.note('[trueup] no hub: this deployment is not recorded in a ledger');
      return;
    }
    await handoff.recordDeployment({ via: 'trueup/deploy', target: shown, result, ...(/^[0-9a-f]{40}$/.test(revision) ? { revision } : {}), ...(why === undefined ? {} : { details: { error: why.slice(0, 2000) } }) });
  };
  try {
    const keyFile = join(dir, 'key');
    const hostsFile = join(dir, 'known_hosts');
    await writeFile(keyFile, key.endsWith('\n') ? key : `${key}\n`, { mode: 0o600 });
    await writeFile(hostsFile, knownHosts.endsWith('\n') ? knownHosts : `${knownHosts}\n`, { mode: 0o600 });
    const ssh = (remote: string, input: Readable | undefined): Promise<void> => runSsh(job, target, keyFile, hostsFile, remote, input);
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
    await record('failed', message).catch((recordError: unknown) => job.log.note(`[trueup] recording the deployment failed: ${String(recordError)}`));
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await record('succeeded');
  job.log.note(`[trueup] deployed ${revision === '' ? '' : `${revision} `}to ${shown}`);
  return { outcome: 'success', outputs: { target: shown, revision } };
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

function runSsh(job: JobState, target: SshTarget, keyFile: string, hostsFile: string, remote: string, input: Readable | undefined): Promise<void> {
  const args = [
    '-F', '/dev/null', '-T',
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${hostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes', '-o', `IdentityFile=${keyFile}`, '-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no',
    '-o', 'ConnectTimeout=30', '-o', 'ServerAliveInterval=15', '-o', 'LogLevel=ERROR',
    '-p', String(target.port), '-l', target.user, '--', target.host, remote,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn('ssh', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], signal: activeSignal(job), env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: job.dirs.home } });
    let errors = '';
    child.stdout?.on('data', (chunk: Buffer) => job.log.note(chunk.toString('utf8').replace(/\n$/, '')));
    child.stderr?.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString('utf8')).slice(-4000);
      job.log.note(chunk.toString('utf8').replace(/\n$/, ''));
    });
    if (input !== undefined && child.stdin !== null) {
      input.on('error', (error) => child.kill() && reject(error));
      child.stdin.on('error', () => undefined);
      input.pipe(child.stdin);
    }
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
      ? RunnerErrors.create('RUNNER_STEP_FAILED', 'trueup/deploy: the OpenSSH client `ssh` is not installed on this runner')
      : RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: ${error.message}`)));
    child.once('close', (code) => {
      if (code === 0) return resolvePromise();
      const why = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/.test(errors)
        ? `the host key of ${target.host}:${target.port} is not the one pinned in the environment's known hosts: refused`
        : /Permission denied/.test(errors) ? `${target.user}@${target.host} refused the environment's key` : `ssh exited ${String(code)}: ${errors.trim().split('\n').at(-1) ?? ''}`;
      reject(RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy to ${target.host}: ${why}`));
    });
  });
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
  const appFile = resolve(job.dirs.workspace, file);
  if (!appFile.startsWith(job.dirs.workspace + sep)) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "${file}" is outside the workspace`);
  if ((await stat(appFile).catch(() => undefined)) === undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: no Application file "${file}" in the workspace (check the repository out first)`);
  const secrets = (job.spec.contexts.secrets ?? {}) as Record<string, unknown>;
  const secretName = withs['kubeconfig-secret'] || 'KUBECONFIG';
  const kubeconfigText = typeof secrets[secretName] === 'string' ? secrets[secretName] : '';
  const waitHealthyMs = parseMinutes(withs.timeout || '5m');
  const github = job.spec.contexts.github;
  const sha = typeof github === 'object' && github !== null && !Array.isArray(github) ? github.sha : undefined;
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
  const target = `application:${file}`;
  const handoff = job.options.handoff;
  const record = handoff?.recordDeployment === undefined
    ? undefined
    : handoff.recordDeployment({ via: 'trueup/deploy', target, result: result.error === undefined ? 'succeeded' : 'failed', ...(typeof sha === 'string' && /^[0-9a-f]{40}$/.test(sha) ? { revision: sha } : {}), details: { application: result.name, appliedRevision: result.revision, sync: result.sync, health: result.health, ...(result.error === undefined ? {} : { error: result.error.slice(0, 2000) }) } });
  if (record === undefined) job.log.note('[trueup] no hub: this deployment is not recorded in a ledger');
  else await record;
  const status = JSON.stringify(result.status);
  if (result.error !== undefined) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy of ${file}: ${result.error}`);
  job.log.note(`[trueup] ${result.name}: ${result.sync}, ${result.health} at ${result.revision}`);
  return { outcome: 'success', outputs: { status, revision: result.revision, sync: result.sync, health: result.health } };
}

function parseMinutes(text: string): number {
  const match = /^(\d+)(s|m)$/.exec(text.trim());
  if (match === null) throw RunnerErrors.create('RUNNER_STEP_FAILED', `trueup/deploy: "timeout" must be like 90s or 5m, not "${text}"`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 60_000);
}
