/**
 * The hub's one writer per branch, against a real hub, real Git and a real host agent following
 * the branch: 20 concurrent hand-offs become at most 2 commits with 0 failures, carry Trueup's
 * trailers, reach the agent without a webhook, and are recorded in the ledger; a value already
 * set commits nothing; a missing key is refused naming the file and key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { GitopsSetResult, RevisionWaitResult } from '@trueup/api';
import { isTrueupCommit } from '@trueup/gitops';
import { agentFixture } from '@trueup/testkit';
import { joinedAgent, startTestHub } from '@trueup/testkit/hub';
import type { LedgerEntry } from '@trueup/store';
import { HubApiError, HubClient } from './client.ts';

const run = promisify(execFile);
const N = 20;

function files(): string {
  return Array.from({ length: N }, (_, i) => `---
# service ${i}: its version is set by CI
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: f${i}
spec:
  path: /srv/f${i}
  content: "v0"   # the version
`).join('');
}

test('20 concurrent hand-offs through the hub: ≤ 2 commits, 0 failures, the agent applies them', async (t) => {
  const testHub = await startTestHub();
  t.after(() => testHub.stop());
  const fixture = await agentFixture({ files: { 'app/files.yaml': files() } });
  t.after(() => fixture.cleanup());
  const { client } = testHub;
  const agent = await joinedAgent(testHub, fixture, 'dev');
  t.after(() => agent.stop());
  const bare = new URL(fixture.repoURL).pathname;
  const log = async (): Promise<string[]> => (await run('git', ['--git-dir', bare, 'log', '--format=%H%x00%B%x01', 'main'])).stdout.split('\x01').map((s) => s.trim()).filter(Boolean);
  const before = (await log()).length;

  const set = (i: number, value: string): Promise<GitopsSetResult> => client.post<GitopsSetResult>('/api/v1/gitops/set', {
    repoURL: fixture.repoURL, ref: 'main', edits: [{ file: 'app/files.yaml', key: 'spec.content', document: i, value }], source: 'ci', run: `run-${i}`,
  });
  const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => set(i, `v1-${i}`)));
  const failed = results.filter((r) => r.status === 'rejected');
  assert.deepEqual(failed, [], '0 failures');
  const done = results.map((r) => (r as PromiseFulfilledResult<GitopsSetResult>).value);
  assert.ok(done.every((r) => r.outcome === 'committed'));
  const revisions = [...new Set(done.map((r) => r.revision))];
  const commits = await log();
  assert.ok(revisions.length <= 2, `${revisions.length} commits`);
  assert.equal(commits.length - before, revisions.length, 'one commit per batch, nothing else');
  for (const commit of commits.slice(0, revisions.length)) {
    assert.ok(isTrueupCommit(commit), 'the commit says it is Trueup\'s');
    assert.match(commit, /Trueup-Source: ci/);
    assert.match(commit, /Trueup-Run: run-\d+/);
  }
  // Comments and layout kept: the diff of the batch is exactly the content lines.
  const diff = (await run('git', ['--git-dir', bare, 'diff', '--unified=0', `main~${revisions.length}`, 'main'])).stdout;
  const changed = diff.split('\n').filter((line) => /^[-+][^-+]/.test(line));
  assert.equal(changed.length, 2 * N);
  assert.ok(changed.every((line) => /^[-+]  content: "v[0-9-]+"   # the version$/.test(line)), changed.join('\n'));

  // The followers were told to refresh: the agent applies the last revision, with no webhook.
  const last = revisions.at(-1) ?? '';
  assert.ok(done.some((r) => r.refreshed.some((each) => each.environment === 'dev' && each.application === 'test')));
  const verdict = await client.get<RevisionWaitResult>(`/api/v1/environments/dev/applications/test/wait?revision=${last}&timeout=30`);
  assert.equal(verdict.state, 'healthy', verdict.reason);

  // The ledger has the commit with its changes and source.
  const ledger = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=gitops-commit&limit=100');
  assert.equal(ledger.items.length, N);
  assert.ok(ledger.items.every((e) => revisions.includes(String(e.details.revision)) && e.details.source === 'ci'));

  // The forge's webhook for the hub's own push: not fanned out a second time. With a person's
  // commit in it, or without the commit list, it is.
  const secret = (await readFile(testHub.hub.info.webhookSecretFile ?? '', 'utf8')).trim();
  const hook = new HubClient({ url: testHub.hub.url, token: secret, ca: testHub.hub.tls.ca });
  const messages = commits.slice(0, revisions.length).map((commit) => ({ message: commit.slice(commit.indexOf('\0') + 1) }));
  type Hook = { refreshed: { environment: string; application: string }[]; ignored?: string };
  const echo = await hook.post<Hook>('/api/v1/webhooks/git', { repoURL: fixture.repoURL, ref: 'refs/heads/main', after: last, commits: messages });
  assert.deepEqual(echo.refreshed, []);
  assert.match(echo.ignored ?? '', /only Trueup commits/);
  const mixed = await hook.post<Hook>('/api/v1/webhooks/git', { repoURL: fixture.repoURL, ref: 'refs/heads/main', after: last, commits: [{ message: 'a fix by hand' }, ...messages] });
  assert.deepEqual(mixed.refreshed.map((r) => `${r.environment}/${r.application}`), ['dev/test']);
  const unlisted = await hook.post<Hook>('/api/v1/webhooks/git', { repoURL: fixture.repoURL, ref: 'refs/heads/main', after: last });
  assert.deepEqual(unlisted.refreshed.map((r) => `${r.environment}/${r.application}`), ['dev/test']);

  // Already set: no commit.
  const again = await set(3, 'v1-3');
  assert.equal(again.outcome, 'unchanged');
  assert.equal((await log()).length, commits.length);

  // A key that does not exist: refused, naming the file and key; nothing committed.
  await assert.rejects(client.post('/api/v1/gitops/set', { repoURL: fixture.repoURL, edits: [{ file: 'app/files.yaml', key: 'spec.missing', document: 0, value: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof HubApiError);
    assert.equal(error.code, 'GITOPS_KEY_NOT_FOUND');
    assert.match(error.message, /app\/files\.yaml/);
    assert.match(error.message, /spec\.missing/);
    return true;
  });
  assert.equal((await log()).length, commits.length);
  // A repository no agent follows: refused, whatever URL or path it is.
  await assert.rejects(client.post('/api/v1/gitops/set', { repoURL: `file://${fixture.dir}/elsewhere.git`, edits: [{ file: 'a.yaml', key: 'a', value: 'x' }] }), (error: unknown) => error instanceof HubApiError && error.code === 'HUB_REQUEST_INVALID' && /no application at this hub follows/.test(error.message));
});
