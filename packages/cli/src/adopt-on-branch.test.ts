/**
 * `trueup adopt` by default, against a real hub, a real Git server and a real host agent: the hand
 * fix is committed on a new branch (the tracked branch untouched), self-heal of the object stays
 * paused while the branch is not merged, and once it is merged (by git, as a person would) and the
 * agent applies the tracked branch, self-heal resumes by itself and the ledger says so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startAgent } from '@trueup/agent';
import type { AdoptResult, ApplicationDetailBody, ResourceDetailBody } from '@trueup/api';
import type { LedgerEntry } from '@trueup/store';
import { agentFixture } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, trueup } from './runner-testing.ts';

const run = promisify(execFile);
const IDENTITY = { GIT_AUTHOR_NAME: 'Ops', GIT_AUTHOR_EMAIL: 'ops@example.test', GIT_COMMITTER_NAME: 'Ops', GIT_COMMITTER_EMAIL: 'ops@example.test' };

const FILES = `apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: motd
spec:
  path: /etc/motd
  content: "one"   # the banner
`;

test('a hand fix adopted on a new branch: heal stays paused until the branch is merged and applied, then resumes by itself', async (t) => {
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
  const motdKey = 'host.trueup.dev/v1alpha1/File//motd';
  await eventually('the application synced at the hub', async () => ((await client.get<ApplicationDetailBody>(APP)).sync === 'Synced' ? true : undefined));
  const bare = new URL(fixture.repoURL).pathname;
  const git = async (args: string[], cwd?: string): Promise<string> => (await run('git', args, { ...(cwd === undefined ? {} : { cwd }), env: { ...process.env, ...IDENTITY } })).stdout.trim();
  const mainBefore = await git(['--git-dir', bare, 'rev-parse', 'main']);
  const motd = join(fixture.root, 'etc/motd');
  const pausedObjects = (): string[] => (agent.applications()[0]?.selfHeal?.objects ?? []).map((o) => o.object);

  // A person pauses self-heal of motd and fixes it by hand.
  assert.equal((await trueup(['pause', 'prod/test', '--object', motdKey, ...hub], env)).code, 0);
  await writeFile(motd, 'by hand');
  await agent.refresh('test');
  await eventually('motd OutOfSync at the hub', async () => ((await client.get<ResourceDetailBody>(`${APP}/resources/${encodeURIComponent(motdKey)}`)).sync === 'OutOfSync' ? true : undefined));

  // Adopted on a new branch: main untouched; the branch is main plus one commit changing one line.
  const adopted = await trueup(['adopt', 'prod/test', 'File/motd', ...hub, '-o', 'json'], env);
  assert.equal(adopted.code, 0, adopted.stderr);
  const result = JSON.parse(adopted.stdout) as AdoptResult;
  assert.match(result.branch, /^trueup\/adopt\/prod-test-file-motd-[0-9a-z]+$/);
  assert.deepEqual([result.outcome, result.tracked, result.pending, result.resumed], ['committed', 'main', true, false]);
  assert.equal(result.compare, `git fetch origin ${result.branch} && git diff origin/main...FETCH_HEAD`);
  assert.equal(await git(['--git-dir', bare, 'rev-parse', 'main']), mainBefore, 'the tracked branch is not written');
  assert.equal(await git(['--git-dir', bare, 'rev-parse', result.branch]), result.revision);
  assert.equal(await git(['--git-dir', bare, 'rev-parse', `${result.branch}~1`]), mainBefore, 'the branch starts at the tracked tip');
  const diff = await git(['--git-dir', bare, 'diff', '--unified=0', 'main', result.branch]);
  assert.deepEqual(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line)), ['-  content: "one"   # the banner', '+  content: "by hand"   # the banner']);
  const commit = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=gitops-commit&limit=10');
  assert.deepEqual([commit.items[0]?.details.ref, commit.items[0]?.details.base, commit.items[0]?.details.adoption], [result.branch, 'main', result.id]);

  // The human text names the branch and what holds the pause.
  const text = await trueup(['adopt', 'prod/test', 'File/motd', '--branch', 'fix/motd', ...hub], env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^committed \w{12} on branch fix\/motd\nself-heal of host\.trueup\.dev\/v1alpha1\/File\/\/motd stays paused until main, with this branch merged, is applied\ncompare: git fetch origin fix\/motd/m);
  assert.equal(await git(['--git-dir', bare, 'rev-parse', 'main']), mainBefore);

  // Not merged: the agent passes again at main, heals nothing, the object stays paused.
  await agent.refresh('test');
  await eventually('the hub to see the pass', async () => ((await client.get<ApplicationDetailBody>(APP)).revision === mainBefore ? true : undefined));
  assert.equal(await readFile(motd, 'utf8'), 'by hand');
  assert.deepEqual(pausedObjects(), [motdKey]);
  assert.equal((await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=adoption-resumed&limit=10')).items.length, 0);

  // Merged by a person, applied by the agent: self-heal resumes by itself, in the ledger.
  const clone = await mkdtemp(join(tmpdir(), 'trueup-adopt-merge-'));
  defer(() => rm(clone, { recursive: true, force: true }));
  await git(['clone', '--quiet', bare, clone]);
  await git(['merge', '--quiet', '--no-ff', '-m', 'Merge the adopted motd', `origin/${result.branch}`], clone);
  await git(['push', '--quiet', 'origin', 'HEAD:main'], clone);
  const merged = await git(['--git-dir', bare, 'rev-parse', 'main']);
  await agent.refresh('test');
  const resumed = await eventually('self-heal resumed after the merge was applied', async () => {
    const items = (await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=adoption-resumed&limit=10')).items;
    return items.length === 2 ? items : undefined;
  });
  // Both adoptions (the default branch and fix/motd) hold the value main now holds: both are done.
  assert.deepEqual(resumed.map((e) => [e.actor, e.details.object, e.details.appliedRevision]).sort(), [['token:admin', motdKey, merged], ['token:admin', motdKey, merged]]);
  assert.deepEqual(resumed.map((e) => e.details.branch).sort(), ['fix/motd', result.branch].sort());
  await eventually('motd no longer paused at the agent', async () => (pausedObjects().length === 0 ? true : undefined));
  assert.equal(await readFile(motd, 'utf8'), 'by hand', 'the adopted value is what Git says now');

  // Self-heal really is on again: a new hand edit is healed back to the adopted value.
  await writeFile(motd, 'again');
  await agent.refresh('test');
  await eventually('healed to the adopted value', async () => ((await readFile(motd, 'utf8')) === 'by hand' ? true : undefined));

  // A branch that already holds the values is not written; main holds them too, so the pause ends at once.
  const again = await trueup(['adopt', 'prod/test', 'File/motd', '--field', 'spec.content', '--branch', 'fix/motd', ...hub, '-o', 'json'], env);
  assert.equal(again.code, 0, again.stderr);
  const unchanged = JSON.parse(again.stdout) as AdoptResult;
  assert.deepEqual([unchanged.outcome, unchanged.pending, unchanged.compare], ['unchanged', true, undefined]);
  await eventually('the third adoption resumed', async () => ((await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=adoption-resumed&limit=10')).items.length === 3 ? true : undefined));
  await eventually('motd no longer paused', async () => (pausedObjects().length === 0 ? true : undefined));
});
