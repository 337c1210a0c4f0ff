import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { agentFixture, hostManifest, type AgentFixture } from '@trueup/testkit';
import { trueup } from './cli-testing.ts';

const MAIN = join(import.meta.dirname, 'main.js');

async function fixture(t: { after: (fn: () => Promise<void>) => void }, files: Record<string, string>): Promise<AgentFixture> {
  const f = await agentFixture({ files });
  t.after(async () => {
    await stopAgents(); // before their state dirs go
    await f.cleanup();
  });
  return f;
}

/** Agent processes of the running test, stopped before its fixtures are removed. */
const agents = new Set<ChildProcess>();

async function stopAgents(): Promise<void> {
  for (const child of agents) {
    agents.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** `trueup agent` until its first start line; resolves with the process and that line. */
async function startAgentProcess(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [MAIN, 'agent', '--log-format', 'json', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  agents.add(child);
  let stderr = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const start = /^trueup agent: .*$/m.exec(stderr);
      if (start !== null) resolve(start[0]);
    });
    child.once('exit', () => reject(new Error(`the agent exited: ${stderr}`)));
  });
  return { child, line };
}

async function waitReady(stateDir: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const info = await readFile(join(stateDir, 'agent.json'), 'utf8').catch(() => undefined);
    if (info !== undefined) {
      const { url } = JSON.parse(info) as { url: string };
      if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the agent did not become ready');
}

/** Pids whose argv is exactly `argv`. */
async function processesRunning(argv: string[]): Promise<number[]> {
  const wanted = `${argv.join('\0')}\0`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '');
    if (cmdline === wanted) pids.push(Number(entry));
  }
  return pids;
}

test('sync against the state dir of a running agent goes through that agent: one service process, not two', async (t) => {
  const argv = ['sleep', String(40_000 + (process.pid % 20_000))];
  const service = (gen: string) => ({ 'app/svc.yaml': hostManifest('Service', 'sleeper', { command: argv, env: { GEN: gen }, backoff: { duration: '100ms' } }) });
  const f = await fixture(t, service('1'));
  t.after(async () => {
    for (const pid of await processesRunning(argv)) process.kill(pid, 'SIGKILL');
  });
  const { line } = await startAgentProcess(['--state-dir', f.stateDir, '--listen', '127.0.0.1:0', f.appFile]);
  assert.match(line, /1 application\(s\), listening on http:\/\/127\.0\.0\.1:\d+/);
  await waitReady(f.stateDir);
  assert.equal((await processesRunning(argv)).length, 1);

  await f.commit(service('2'));
  const sync = await trueup(['sync', f.appFile, '--state-dir', f.stateDir]);
  assert.equal(sync.code, 0, sync.stderr + sync.stdout);
  assert.match(sync.stderr, /belongs to the running agent \(pid \d+\); the pass runs there/);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // longer than the agent's restart backoff
  assert.equal((await processesRunning(argv)).length, 1, 'exactly one process for the Service');

  const diff = await trueup(['diff', f.appFile, '--state-dir', f.stateDir]);
  assert.equal(diff.code, 0, diff.stderr + diff.stdout);
  assert.match(diff.stdout, /in sync/);
});

test('sync of an application the holding agent does not run is refused, naming the agent', async (t) => {
  const motd = { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) };
  const running = await fixture(t, motd);
  const other = await fixture(t, motd);
  await startAgentProcess(['--state-dir', running.stateDir, '--listen', '127.0.0.1:0', running.appFile]);
  await waitReady(running.stateDir);
  const renamed = (await readFile(other.appFile, 'utf8')).replace('name: test', 'name: other');
  await import('node:fs/promises').then(({ writeFile }) => writeFile(other.appFile, renamed));
  const sync = await trueup(['sync', other.appFile, '--state-dir', running.stateDir]);
  assert.equal(sync.code, 2);
  assert.match(sync.stderr, /the agent \(pid \d+\) that holds .* does not run "other"/);

  const second = await trueup(['agent', '--state-dir', running.stateDir, '--listen', '127.0.0.1:0', running.appFile]);
  assert.equal(second.code, 2);
  assert.match(second.stderr, /is in use by trueup agent \(pid \d+, since .*\).*\[AGENT_STATE_DIR_LOCKED\]/);
});

test('--listen: every interface is refused without --listen-non-loopback; an empty host is loopback', async (t) => {
  const f = await fixture(t, { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) });
  for (const listen of ['0.0.0.0:0', '[::]:0']) {
    const refused = await trueup(['agent', '--state-dir', f.stateDir, '--listen', listen, f.appFile]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /is not a loopback address.*--listen-non-loopback.*\[AGENT_LISTEN_INVALID\]/);
  }
  const badPort = await trueup(['agent', '--state-dir', f.stateDir, '--listen', '127.0.0.1:17185x', f.appFile]);
  assert.match(badPort.stderr, /the port must be a number from 0 to 65535, not "17185x"/);
  const { line } = await startAgentProcess(['--state-dir', f.stateDir, '--listen', ':0', f.appFile]);
  assert.match(line, /listening on http:\/\/127\.0\.0\.1:\d+$/);
});

test('sync against an agent without a listener is refused with its pid and what to do', async (t) => {
  const f = await fixture(t, { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) });
  const agent = await startAgent({ stateDir: f.stateDir, paths: [f.appFile] });
  let sync: Awaited<ReturnType<typeof trueup>>;
  try {
    sync = await trueup(['sync', f.appFile, '--state-dir', f.stateDir]);
  } finally {
    await agent.stop();
  }
  assert.equal(sync.code, 2);
  assert.match(sync.stderr, new RegExp(`is in use by trueup agent \\(pid ${process.pid}, since .*\\): one writer per state dir; ask it for a pass with "trueup refresh APP --state-dir .*", or stop it first \\[AGENT_STATE_DIR_LOCKED\\]`));
});

test('an agent killed with SIGKILL leaves no lock: sync runs on its own; refresh says no agent answers', async (t) => {
  const f = await fixture(t, { 'app/motd.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: 'hello\n' }) });
  const { child } = await startAgentProcess(['--state-dir', f.stateDir, '--listen', '127.0.0.1:0', f.appFile]);
  await waitReady(f.stateDir);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  const sync = await trueup(['sync', f.appFile, '--state-dir', f.stateDir]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.doesNotMatch(sync.stderr, /running agent/);
  const refresh = await trueup(['refresh', 'test', '--state-dir', f.stateDir]);
  assert.equal(refresh.code, 2);
  assert.match(refresh.stderr, /no agent answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); agent\.json names pid \d+, which may have stopped.*\[AGENT_NOT_RUNNING\]/);
});
