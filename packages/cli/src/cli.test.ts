import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentFixture, freePort, hostManifest, type AgentFixture } from '@trueup/testkit';
import { trueup } from './cli-testing.ts';

const MAIN = join(import.meta.dirname, 'main.js');

async function fixture(t: { after: (fn: () => Promise<void>) => void }, files: Record<string, string>): Promise<AgentFixture> {
  const f = await agentFixture({ files });
  t.after(() => f.cleanup());
  return f;
}

const motd = { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) };

test('diff exits 1 when out of sync, sync converges, then diff exits 0', async (t) => {
  const f = await fixture(t, motd);
  const state = ['--state-dir', f.stateDir];
  const before = await trueup(['diff', f.appFile, ...state]);
  assert.equal(before.code, 1, before.stderr);
  assert.match(before.stdout, /\+\+\+ git\/File\/motd/);
  assert.match(before.stdout, /\+  content: \|/);
  const sync = await trueup(['sync', f.appFile, ...state]);
  assert.equal(sync.code, 0, sync.stderr + sync.stdout);
  assert.equal(await readFile(join(f.root, 'etc/motd'), 'utf8'), 'hello\n');
  const after = await trueup(['diff', f.appFile, ...state]);
  assert.equal(after.code, 0, after.stdout);
  assert.match(after.stdout, /in sync/);
});

test('diff exits 2 on bad input and names the file and line', async (t) => {
  const f = await fixture(t, { 'app/motd.yaml': '---\napiVersion: host.trueup.dev/v1alpha1\nkind: Fiel\nmetadata:\n  name: motd\nspec: {}\n' });
  const result = await trueup(['diff', f.appFile, '--state-dir', f.stateDir]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /app\/motd\.yaml:3: kind: .*\[API_KIND_UNKNOWN\]/);
});

test('sync --dry-run changes nothing; status and history speak stable JSON', async (t) => {
  const f = await fixture(t, motd);
  const state = ['--state-dir', f.stateDir];
  assert.equal((await trueup(['sync', '--dry-run', f.appFile, ...state])).code, 1);
  assert.equal(existsSync(join(f.root, 'etc/motd')), false);
  assert.equal((await trueup(['sync', f.appFile, ...state])).code, 0);
  const status = JSON.parse((await trueup(['status', '-o', 'json', ...state])).stdout) as { applications: Record<string, unknown>[] };
  const [app] = status.applications;
  assert.equal(app?.name, 'test');
  assert.match(String(app?.revision), /^[0-9a-f]{40}$/);
  assert.equal(app?.sync, 'Synced');
  assert.deepEqual(app?.health, { status: 'Healthy' });
  assert.ok(Array.isArray(app?.conditions) && Array.isArray(app?.resources));
  const history = JSON.parse((await trueup(['history', 'test', '-o', 'json', ...state])).stdout) as { history: { result: string; changes: unknown[] }[] };
  assert.equal(history.history[0]?.result, 'Succeeded');
  assert.equal(history.history[0]?.changes.length, 1);
  const table = await trueup(['status', ...state]);
  assert.match(table.stdout, /^NAME\s+REVISION\s+SYNC\s+HEALTH/);
});

function startAgentProcess(f: AgentFixture): ChildProcess {
  return spawn(process.execPath, [MAIN, 'agent', '--state-dir', f.stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', f.appFile], { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function waitReady(f: AgentFixture): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const info = join(f.stateDir, 'agent.json');
    if (existsSync(info)) {
      const { url } = JSON.parse(await readFile(info, 'utf8')) as { url: string };
      if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('agent did not become ready');
}

/** The pid in the service's record; undefined while it is between two runs (restarting). */
async function servicePid(stateDir: string): Promise<number | undefined> {
  const dir = join(stateDir, 'apps', 'test', 'host', 'test', 'services');
  const [record] = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  return (JSON.parse(await readFile(join(dir, record ?? ''), 'utf8')) as { pid?: number }).pid;
}

function killService(pid: number | undefined): void {
  if (pid !== undefined) process.kill(pid, 'SIGKILL');
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('the agent stops cleanly on SIGTERM; a new agent adopts the running service; refresh asks it for a pass', async (t) => {
  const f = await fixture(t, { 'app/svc.yaml': hostManifest('Service', 'sleeper', { command: ['sleep', '600'] }) });
  let pid = 0;
  t.after(() => {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  });
  const first = startAgentProcess(f);
  await waitReady(f);
  pid = (await servicePid(f.stateDir)) ?? 0;
  assert.ok(pid > 0, 'the service runs');
  first.kill('SIGTERM');
  assert.equal(await stopped(first), 0);
  process.kill(pid, 0); // still running without the agent

  const second = startAgentProcess(f);
  t.after(() => second.kill('SIGKILL'));
  const url = await waitReady(f);
  assert.equal(await servicePid(f.stateDir), pid, 'the same process, adopted');
  const token = (await readFile(join(f.stateDir, 'api-token'), 'utf8')).trim();
  const { applications } = (await (await fetch(`${url}/api/v1/applications`, { headers: { authorization: `Bearer ${token}` } })).json()) as { applications: { resources: { health: { status: string } }[] }[] };
  assert.equal(applications[0]?.resources[0]?.health.status, 'Healthy');
  const refresh = await trueup(['refresh', 'test', '--state-dir', f.stateDir]);
  assert.equal(refresh.code, 0, refresh.stderr);
  assert.match(refresh.stdout, /test: [0-9a-f]{12} Synced\/Healthy/);
  second.kill('SIGTERM');
  assert.equal(await stopped(second), 0);
});

test('sync waits while a service is starting and exits 0 once its health check passes', async (t) => {
  const port = await freePort();
  const server = `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 700)`;
  const f = await fixture(t, { 'app/svc.yaml': hostManifest('Service', 'web', { command: [process.execPath, '-e', server], healthCheck: { http: { port }, interval: '200ms' } }) });
  const result = await trueup(['sync', f.appFile, '--state-dir', f.stateDir, '-o', 'json']).finally(async () => killService(await servicePid(f.stateDir)));
  const [status] = (JSON.parse(result.stdout) as { applications: { health: { status: string } }[] }).applications;
  assert.equal(status?.health.status, 'Healthy');
  assert.equal(result.code, 0, result.stderr);
});

test('a relative --state-dir works, and sync starts again a service that died while no agent ran', async (t) => {
  const f = await fixture(t, { 'app/svc.yaml': hostManifest('Service', 'sleeper', { command: ['sleep', '600'] }) });
  const run = (args: string[]) => new Promise<number | null>((resolve) => spawn(process.execPath, [MAIN, ...args], { cwd: f.dir, stdio: 'ignore' }).once('close', resolve));
  assert.equal(await run(['sync', 'app.yaml', '--state-dir', 'state']), 0);
  const first = await servicePid(f.stateDir);
  assert.ok(first !== undefined, 'the service runs');
  process.kill(first, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    assert.equal(await run(['sync', 'app.yaml', '--state-dir', 'state']), 0);
  } finally {
    const second = await servicePid(f.stateDir);
    assert.notEqual(second, first);
    killService(second);
  }
});
