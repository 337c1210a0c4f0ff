/** For tests of joined runners: a real hub (TLS), `trueup runner` processes, and the runs they run. */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { HubClient, startHub, type HubOptions, type RunningHub } from '@trueup/hub';
import { startPostgres } from '@trueup/testkit/postgres';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, MAIN, trueup } from './cli-testing.ts';

export { eventually, trueup } from './cli-testing.ts';

const execFileAsync = promisify(execFile);

export interface RunView {
  id: string;
  status: string;
  conclusion: string | null;
  sha: string;
  jobs: { key: string; status: string; conclusion: string | null; runner: string | null; attempt: number; note: string | null; steps: { id: string; name: string; conclusion: string | null }[] }[];
}

export interface HubSetup {
  dir: string;
  hub: RunningHub;
  client: HubClient;
  hubArgs: string[];
}

/** Short leases so a lost runner is noticed quickly in tests; the default is 45 s. */
export async function hubForRunners(t: TestContext, options: Partial<HubOptions> = {}): Promise<HubSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-runner-'));
  const hub = await startHub({ dataDir: join(dir, 'hub'), listen: '127.0.0.1:0', log: () => undefined, runnerLeaseMs: 3000, pipelinePollMs: 3_600_000, ...options });
  t.after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const adminToken = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
  return { dir, hub, client: new HubClient({ url: hub.url, token: adminToken, ca: hub.tls.ca }), hubArgs: ['--data-dir', join(dir, 'hub')] };
}

export type RunnerProcess = ChildProcess & { output: () => string };

/** A runner joined with a token the CLI creates, once it says it linked. */
export async function startRunner(t: TestContext, dir: string, name: string, labels: string): Promise<RunnerProcess> {
  const made = await trueup(['runner', 'token', 'create', '--ttl', '10m', '--data-dir', join(dir, 'hub')]);
  assert.equal(made.code, 0, made.stderr);
  const child = await spawnRunner(t.after.bind(t), dir, made.stdout, name, labels);
  await eventually(`${name} linked`, async () => (child.output().includes('linked to') ? true : undefined), 90_000, () => child.output());
  return child;
}

/**
 * `trueup runner --join` with this token, its work in `dir/name`; stopped with `stopSignal` at
 * teardown (`defer`) unless it has exited. Not waited for: the caller waits for what it needs.
 */
export async function spawnRunner(defer: (fn: () => Promise<void>) => void, dir: string, token: string, name: string, labels: string, stopSignal: NodeJS.Signals = 'SIGTERM'): Promise<RunnerProcess> {
  const tokenFile = join(dir, `${name}.token`);
  await writeFile(tokenFile, token, { mode: 0o600 });
  const child = spawn(process.execPath, [MAIN, 'runner', '--join', tokenFile, '--labels', labels, '--work-dir', join(dir, name), '--name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  defer(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(stopSignal);
    await exited;
  });
  return Object.assign(child, { output: () => output });
}

export interface HubReplicas {
  dir: string;
  a: RunningHub;
  b: RunningHub;
  viaA: HubClient;
  viaB: HubClient;
  /** Stops replica A now (it is not stopped again at teardown). */
  stopA: () => Promise<void>;
  /** Runs at teardown, before the replicas and PostgreSQL stop. */
  defer: (fn: () => Promise<void>) => void;
}

/** Two hub replicas on one fresh PostgreSQL database and one data directory, with an admin client for each. */
export async function hubReplicas(t: TestContext, database: string, options: Partial<HubOptions> = {}): Promise<HubReplicas> {
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const url = await pg.createDatabase(database);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-replicas-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const hubOptions = { dataDir: join(dir, 'hub'), database: url, listen: '127.0.0.1:0', log: () => undefined, pipelinePollMs: 3_600_000, ...options };
  const a = await startHub(hubOptions);
  let aStopped = false;
  const stopA = async (): Promise<void> => {
    if (aStopped) return;
    aStopped = true;
    await a.stop();
  };
  defer(stopA);
  const b = await startHub(hubOptions);
  defer(() => b.stop());
  const token = (await readFile(a.info.adminTokenFile, 'utf8')).trim();
  return { dir, a, b, viaA: new HubClient({ url: a.url, token, ca: a.tls.ca }), viaB: new HubClient({ url: b.url, token, ca: b.tls.ca }), stopA, defer };
}

export const finished = (client: HubClient, id: string): Promise<RunView> => eventually(`run ${id} to finish`, async () => {
  const run = await client.get<RunView>(`/api/v1/runs/${id}`);
  return run.status === 'completed' ? run : undefined;
}, 120_000);

/** Dispatches a workflow through the CLI; returns the run's id. */
export async function dispatch(setup: HubSetup, repoDir: string, workflow: string, inputs: string[] = []): Promise<string> {
  const dispatched = await trueup(['runs', 'dispatch', repoDir, '--workflow', workflow, '--ref', 'main', '-o', 'json', ...inputs.flatMap((i) => ['--input', i]), ...setup.hubArgs]);
  assert.equal(dispatched.code, 0, dispatched.stderr);
  return (JSON.parse(dispatched.stdout) as { id: string }).id;
}

/**
 * The secrets of an SSH deploy from `repository` to `sshd`: environment `web` holds the client
 * key and pins the server's real host key; `spoofed` holds the key but pins another host key
 * for the same address (made in `dir`), which the real server cannot match. Returns the client key.
 */
export async function sshDeploySecrets(client: HubClient, repository: string, sshd: { port: number; clientKeyFile: string; knownHostsFile: string }, dir: string): Promise<string> {
  const key = await readFile(sshd.clientKeyFile, 'utf8');
  const secret = (environment: string, name: string, value: string): Promise<unknown> => client.post('/api/v1/secrets', { repository, environment, name, value });
  await secret('web', 'SSH_PRIVATE_KEY', key);
  await secret('web', 'SSH_KNOWN_HOSTS', await readFile(sshd.knownHostsFile, 'utf8'));
  const other = join(dir, 'other_host_key');
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  await secret('spoofed', 'SSH_PRIVATE_KEY', key);
  await secret('spoofed', 'SSH_KNOWN_HOSTS', `[127.0.0.1]:${sshd.port} ${(await readFile(`${other}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ')}\n`);
  return key;
}
