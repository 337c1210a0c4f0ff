/** Git push webhooks on both engines: each forge's proof checked, replays refused, fan-out to the followers only. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import type { LinkEvent } from '@trueup/api';
import type { HubStore } from '@trueup/store';
import { onBothEngines } from '@trueup/store/testing';
import { TEST_WEBHOOK_SECRET, testApp, type TestApp } from './testing.ts';

const status = (name: string, repoURL: string, ref: string, n: number): LinkEvent => ({
  kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'),
  status: { name, revision: `r${n}`, sync: 'Synced', health: { status: 'Healthy' }, source: { repoURL, ref, path: '.' } },
});

async function seed(store: HubStore): Promise<void> {
  let seq = 0;
  for (const environment of ['prod', 'stage']) {
    await store.environments.createJoinToken({ id: environment, environment, labels: {}, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 60_000 });
    await store.environments.join(environment, { agentId: `ag-${environment}`, credentialHash: 'x' }, Date.now());
  }
  await store.ledger.ingest('prod', 'ag-prod', ++seq, 1, status('web', 'https://git.example.com/ops/config.git', 'main', 1));
  await store.ledger.ingest('prod', 'ag-prod', ++seq, 1, status('pinned', 'https://git.example.com/ops/config.git', 'v1', 2));
  await store.ledger.ingest('prod', 'ag-prod', ++seq, 1, status('other', 'https://git.example.com/ops/other.git', 'main', 3));
  await store.ledger.ingest('stage', 'ag-stage', 1, 1, status('web', 'ssh://git@git.example.com/ops/config', 'refs/heads/main', 4));
}

const github = { ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: 'https://git.example.com/ops/config.git', ssh_url: 'git@git.example.com:ops/config.git', default_branch: 'main' } };
const sign = (body: string, secret = TEST_WEBHOOK_SECRET): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const post = (app: TestApp, headers: Record<string, string>, body: unknown): Promise<Response> => app.as('nobody', '/api/v1/webhooks/git', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const targets = async (response: Response): Promise<string[]> => ((await response.json()) as { refreshed: { environment: string; application: string }[] }).refreshed.map((r) => `${r.environment}/${r.application}`);

test('webhooks', async (t) => {
  await onBothEngines(t, 'GitHub: signed pushes fan out once; forged and replayed ones are refused', async (store) => {
    await seed(store);
    const app = await testApp(store);
    const body = JSON.stringify(github);
    const ok = await post(app, { 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sign(body) }, body);
    assert.equal(ok.status, 202);
    assert.deepEqual(await targets(ok), ['prod/web', 'stage/web']);
    const replay = await post(app, { 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sign(body) }, body);
    assert.equal(replay.status, 409);
    assert.equal(((await replay.json()) as { code: string }).code, 'HUB_WEBHOOK_REPLAYED');
    const forged = await post(app, { 'x-github-event': 'push', 'x-github-delivery': 'd-2', 'x-hub-signature-256': sign(body, 'wrong-secret') }, body);
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'HUB_WEBHOOK_FORGED');
    const tampered = await post(app, { 'x-github-event': 'push', 'x-github-delivery': 'd-3', 'x-hub-signature-256': sign(body) }, body.replace('main', 'dev'));
    assert.equal(tampered.status, 401);
    const ping = await post(app, { 'x-github-event': 'ping', 'x-hub-signature-256': sign('{}') }, '{}');
    assert.deepEqual(await targets(ping), []);
    const tag = JSON.stringify({ ...github, ref: 'refs/tags/v1' });
    assert.deepEqual(await targets(await post(app, { 'x-github-event': 'push', 'x-github-delivery': 'd-4', 'x-hub-signature-256': sign(tag) }, tag)), ['prod/pinned']);
    const unknown = JSON.stringify({ ...github, repository: { clone_url: 'https://git.example.com/nobody/knows.git' } });
    assert.deepEqual(await targets(await post(app, { 'x-github-event': 'push', 'x-github-delivery': 'd-5', 'x-hub-signature-256': sign(unknown) }, unknown)), []);
    const commands = await store.ledger.list({ limit: 50, kind: 'command-requested' });
    assert.deepEqual(commands.items.map((e) => [e.environment, e.application, e.actor]), [['prod', 'web', 'webhook:github'], ['stage', 'web', 'webhook:github'], ['prod', 'pinned', 'webhook:github']]);
  });

  await onBothEngines(t, 'GitLab token, Gitea signature and the plain bearer push', async (store) => {
    await seed(store);
    const app = await testApp(store);
    const gitlab = { ref: 'refs/heads/main', project: { git_http_url: 'https://git.example.com/ops/other.git', default_branch: 'main' } };
    assert.deepEqual(await targets(await post(app, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': TEST_WEBHOOK_SECRET }, gitlab)), ['prod/other']);
    assert.equal((await post(app, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' }, gitlab)).status, 401);
    const gitea = JSON.stringify(github);
    assert.deepEqual(await targets(await post(app, { 'x-gitea-event': 'push', 'x-gitea-signature': sign(gitea).slice('sha256='.length) }, gitea)), ['prod/web', 'stage/web']);
    const plain = { repoURL: 'git@git.example.com:ops/config.git', ref: 'main' };
    assert.deepEqual(await targets(await post(app, { authorization: `Bearer ${TEST_WEBHOOK_SECRET}` }, plain)), ['prod/web', 'stage/web']);
    assert.equal((await post(app, {}, plain)).status, 401);
    const bad = await post(app, { authorization: `Bearer ${TEST_WEBHOOK_SECRET}` }, { repoURL: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { details: { field: string } }).details.field, 'body.ref');
  });
});
