/**
 * How an adoption on a branch ends, against a real hub, a real Git server and a real host agent,
 * each as a person would get there with git and the CLI: merged and changed again (superseded:
 * self-heal resumes, heals to what Git says now), self-heal resumed by hand (withdrawn), the branch
 * deleted unmerged (withdrawn: self-heal resumes). `trueup adopt --list` shows what is pending with
 * its branch and how to compare it; each end is in the ledger, and the branches' writers are
 * released when their adoptions end (the hub's writer gauge back at zero).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startAgent } from '@trueup/agent';
import type { Adoption, AdoptResult, ApplicationDetailBody } from '@trueup/api';
import type { LedgerEntry } from '@trueup/store';
import { agentFixture } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, trueup } from './runner-testing.ts';

const run = promisify(execFile);
const IDENTITY = { GIT_AUTHOR_NAME: 'Ops', GIT_AUTHOR_EMAIL: 'ops@example.test', GIT_COMMITTER_NAME: 'Ops', GIT_COMMITTER_EMAIL: 'ops@example.test' };
const NAMES = ['motd', 'banner', 'issue'] as const;

const FILES = NAMES.map((name) => `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: ${name}
spec:
  path: /etc/${name}
  content: "one"
`).join('---\n');

test('adoptions end superseded, withdrawn by a resume, withdrawn by a deleted branch; listed while pending; writers released', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const fixture = await agentFixture({ files: { 'app/files.yaml': FILES } });
  defer(() => fixture.cleanup());
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'prod' });
  const tokenFile = join(fixture.dir, 'join-token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], listen: '127.0.0.1:0', onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  defer(() => agent.stop({ stopServices: true }));
  const { info } = testHub.hub;
  const hub = ['--hub', info.url, '--ca-file', info.caCertFile, '--token-file', info.adminTokenFile];
  const env = { ...process.env, TRUEUP_HUB: '' };
  const APP = '/api/v1/environments/prod/applications/test';
  const key = (name: string): string => `host.trueup.dev/v1alpha1/File//${name}`;
  await eventually('the application synced at the hub', async () => ((await client.get<ApplicationDetailBody>(APP)).sync === 'Synced' ? true : undefined));
  const bare = new URL(fixture.repoURL).pathname;
  const git = async (args: string[], cwd?: string): Promise<string> => (await run('git', args, { ...(cwd === undefined ? {} : { cwd }), env: { ...process.env, ...IDENTITY } })).stdout.trim();
  const onDisk = (name: string): Promise<string> => readFile(join(fixture.root, 'etc', name), 'utf8');
  const pausedObjects = (): string[] => (agent.applications()[0]?.selfHeal?.objects ?? []).map((o) => o.object).sort();
  const ledger = async (kind: string): Promise<LedgerEntry[]> => (await client.get<{ items: LedgerEntry[] }>(`/api/v1/events?kind=${kind}&limit=10`)).items;
  const writers = async (): Promise<number> => {
    const chunks: Buffer[] = [];
    for await (const chunk of await client.download('/metrics')) chunks.push(chunk as Buffer);
    return Number(Buffer.concat(chunks).toString('utf8').match(/^trueup_hub_gitops_writers (\d+)$/m)?.[1] ?? 'NaN');
  };

  // Each object paused and changed by hand, then adopted on a branch of its own.
  const adopted = new Map<string, AdoptResult>();
  for (const name of NAMES) {
    assert.equal((await trueup(['pause', 'prod/test', '--object', key(name), ...hub], env)).code, 0);
    await writeFile(join(fixture.root, 'etc', name), `${name} by hand`);
  }
  await agent.refresh('test');
  await eventually('all three OutOfSync at the hub', async () => ((await client.get<ApplicationDetailBody>(APP)).sync === 'OutOfSync' ? true : undefined));
  for (const name of NAMES) {
    const out = await trueup(['adopt', 'prod/test', `File/${name}`, ...hub, '-o', 'json'], env);
    assert.equal(out.code, 0, out.stderr);
    adopted.set(name, JSON.parse(out.stdout) as AdoptResult);
  }
  const branchOf = (name: string): string => adopted.get(name)?.branch ?? '';
  assert.equal(await writers(), 3, 'one writer per adoption branch');

  // Listed while pending: branch, age, who, and how to compare.
  const listed = await trueup(['adopt', '--list', 'prod/test', ...hub, '-o', 'json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual((JSON.parse(listed.stdout) as Adoption[]).map((a) => [a.object, a.branch, a.state, a.tracked, a.compare]), NAMES.map((name) => [key(name), branchOf(name), 'pending', 'main', `git fetch origin ${branchOf(name)} && git diff origin/main...FETCH_HEAD`]));
  const table = await trueup(['adopt', '--list', ...hub], env);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^APPLICATION\s+OBJECT\s+BRANCH\s+AGE\s+BY$/);
  for (const name of NAMES) assert.ok(lines.some((line) => new RegExp(`^prod/test\\s+${key(name).replace(/[./]/g, '\\$&')}\\s+${branchOf(name).replace(/[./]/g, '\\$&')}\\s+\\d+[smhd]\\s+token:admin$`).test(line)), `${name} in\n${table.stdout}`);
  assert.ok(lines.includes(`compare ${branchOf('motd')}: git fetch origin ${branchOf('motd')} && git diff origin/main...FETCH_HEAD`));

  // motd: merged, then main changes it again before the agent applies: superseded, self-heal resumes and heals to main's value.
  const clone = await mkdtemp(join(tmpdir(), 'trueup-adopt-ends-'));
  defer(() => rm(clone, { recursive: true, force: true }));
  await git(['clone', '--quiet', bare, clone]);
  await git(['merge', '--quiet', '--no-ff', '-m', 'Merge the adopted motd', `origin/${branchOf('motd')}`], clone);
  const merged = await readFile(join(clone, 'app/files.yaml'), 'utf8');
  assert.match(merged, /content: "motd by hand"/);
  await writeFile(join(clone, 'app/files.yaml'), merged.replace('content: "motd by hand"', 'content: "two"'));
  await git(['commit', '--quiet', '-am', 'motd: two'], clone);
  await git(['push', '--quiet', 'origin', 'HEAD:main'], clone);
  const main = await git(['--git-dir', bare, 'rev-parse', 'main']);
  await agent.refresh('test');
  const superseded = await eventually('motd superseded', async () => {
    const items = await ledger('adoption-superseded');
    return items.length === 1 ? items[0] : undefined;
  });
  assert.deepEqual([superseded?.details.object, superseded?.details.branch, superseded?.details.state, superseded?.details.appliedRevision, superseded?.details.commit], [key('motd'), branchOf('motd'), 'superseded', main, adopted.get('motd')?.revision]);
  assert.match(String(superseded?.details.reason), /took the adoption's commit \w{12} but holds another value/);
  await eventually('motd healed to main\'s value', async () => ((await onDisk('motd')) === 'two' ? true : undefined));
  assert.deepEqual(pausedObjects(), [key('banner'), key('issue')], 'the others stay paused');
  assert.equal((await ledger('adoption-resumed')).length, 0, 'not applied: main holds another value');

  // banner: a person resumes self-heal by hand: withdrawn at once, healed to Git.
  assert.equal((await trueup(['resume', 'prod/test', '--object', key('banner'), ...hub], env)).code, 0);
  const withdrawn = await ledger('adoption-withdrawn');
  assert.deepEqual(withdrawn.map((e) => [e.details.object, e.details.state, e.details.reason, e.actor]), [[key('banner'), 'withdrawn', `self-heal of ${key('banner')} was resumed by hand`, 'token:admin']]);
  await agent.refresh('test');
  await eventually('banner healed to Git', async () => ((await onDisk('banner')) === 'one' ? true : undefined));

  // issue: its branch deleted without a merge: withdrawn, self-heal resumed.
  await git(['--git-dir', bare, 'branch', '-D', branchOf('issue')]);
  const gone = await eventually('issue withdrawn', async () => {
    const items = (await ledger('adoption-withdrawn')).filter((e) => e.details.object === key('issue'));
    return items.length === 1 ? items[0] : undefined;
  }, 60_000);
  assert.equal(gone?.details.reason, `the branch ${branchOf('issue')} was deleted without being merged into main`);
  await agent.refresh('test');
  await eventually('issue healed to Git', async () => ((await onDisk('issue')) === 'one' ? true : undefined));
  assert.deepEqual(pausedObjects(), []);

  // Nothing pending; every adoption branch's writer released.
  const empty = await trueup(['adopt', '--list', ...hub], env);
  assert.equal(empty.stdout, 'no adoption is pending\n');
  assert.equal(await writers(), 0);
});
