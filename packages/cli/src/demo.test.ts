/**
 * The Quick start's first line as a user runs it: `trueup demo` comes up with a hub and its
 * environments — the host, and Kubernetes when the test env is built (always under CI) — both
 * Synced and Healthy in one `trueup status --hub`; a tampered file heals; a push applies on both;
 * Ctrl-C stops everything, the Kubernetes test env included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HubInfo } from '@trueup/api';
import { kubeToolsBin, readKubeTestEnvState, requireGit, requireKubeTools } from '@trueup/testkit';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, MAIN, trueupOffline } from './cli-testing.ts';

interface Listed { applications: { environment: string; name: string; revision: string; sync: string; health: string }[] }

test('trueup demo: a hub with the host and Kubernetes environments, a heal, a push applied on both, Ctrl-C stops everything', async (t) => {
  if (!(await requireGit(t))) return;
  const withKube = process.env.CI === 'true' ? requireKubeTools(t) !== undefined : kubeToolsBin() !== undefined;
  const defer = lastInFirstOut(t);
  const cwd = await mkdtemp(join(tmpdir(), 'trueup-demo-'));
  defer(() => rm(cwd, { recursive: true, force: true }));
  const dir = join(cwd, 'demo');
  const child = spawn(process.execPath, [MAIN, 'demo', '--dir', dir], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  defer(async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await exited;
    }
  });
  await eventually('the demo says it runs', async () => (stdout.includes('Trueup demo is running.') ? true : undefined), 180_000, () => stdout + stderr);
  assert.match(stdout, withKube ? /Kubernetes \(agent demo-kube\)\s+KUBECONFIG=/ : /Kubernetes\s+no Kubernetes test env built/);

  const info = JSON.parse(await readFile(join(dir, 'hub', 'hub.json'), 'utf8')) as HubInfo;
  const hubArgs = ['--hub', info.url, '--ca-file', info.caCertFile, '--token-file', info.adminTokenFile];
  const listed = async (): Promise<Listed['applications']> => {
    const result = await trueupOffline(['status', ...hubArgs, '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as Listed).applications;
  };
  const want = withKube ? [['demo-host', 'demo'], ['demo-kube', 'demo-kube']] : [['demo-host', 'demo']];
  const settled = (apps: Listed['applications'], revision?: string): boolean =>
    apps.length === want.length && apps.every((a) => a.sync === 'Synced' && a.health === 'Healthy' && (revision === undefined || a.revision === revision));
  const first = await eventually('every environment Synced and Healthy at the hub', async () => {
    const apps = await listed();
    return settled(apps) ? apps : undefined;
  }, 180_000, () => stderr);
  assert.deepEqual(first.map((a) => [a.environment, a.name]).sort(), want);

  // Tampered with, the managed file heals.
  const index = join(dir, 'root', 'srv/web/index.html');
  const pristine = await readFile(index, 'utf8');
  await appendFile(index, 'tampered\n');
  await eventually('the tampered file healed', async () => ((await readFile(index, 'utf8')) === pristine ? true : undefined));

  // A push (step 2 of the instructions) applies in every environment.
  const git = (...args: string[]): Promise<string> => new Promise((resolve, reject) => {
    const run = spawn('git', args, { cwd: join(dir, 'work'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    run.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args.join(' ')} exited ${String(code)}`))));
  });
  const config = join(dir, 'work', 'files/web/config.json');
  await writeFile(config, (await readFile(config, 'utf8')).replace('Hello from Trueup', 'Hello again'));
  await git('commit', '-qam', 'New greeting');
  await git('push', '-q');
  const pushed = await git('rev-parse', 'HEAD');
  await eventually('the push applied in every environment', async () => (settled(await listed(), pushed) ? true : undefined), 120_000, () => stderr);
  assert.match(await readFile(join(dir, 'root', 'srv/web/config.json'), 'utf8'), /Hello again/);

  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /Stopping the agent/);
  if (withKube) assert.equal((await readKubeTestEnvState(join(dir, 'kube')))?.phase, 'stopped', 'the demo stopped its Kubernetes test env');
});
