/**
 * Promotion end to end: a real hub, a Git smart-HTTP server, and two host agents (dev and prod)
 * following one config repository. A release goes to dev by itself, waits for an operator's
 * approval before prod, and is written there by the hub's writer; a release the agent cannot
 * apply fails in dev and never reaches prod, which keeps its release; a person's rollback holds
 * prod against automation until released; every transition is in the ledger.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReleaseView } from '@trueup/api';
import { requireGit } from '@trueup/testkit';
import { eventually, startHandoffEnv, versionPromotion } from '@trueup/testkit/handoff';
import { openStore, type LedgerEntry } from '@trueup/store';
import { HubApiError } from './client.ts';

/** One Command whose env carries the version: it fails for "bad", else writes the version under the root. */
const app = (version: string): string => `# the version is set by promotion
apiVersion: host.trueup.dev/v1alpha1
kind: Command
metadata:
  name: deploy
spec:
  run: 'test "$VERSION" != bad && echo "$VERSION" > "$TRUEUP_ROOT/version"'
  env:
    VERSION: "${version}"   # promoted
`;

const promotionFile = (repoURL: string): string => versionPromotion(repoURL, 'spec.env.VERSION', ['dev', 'prod'], ['prod']);

test('a release goes dev → prod behind an approval; a failure stops it; a rollback holds', async (t) => {
  if (!(await requireGit(t))) return;
  const env = await startHandoffEnv({
    environments: ['dev', 'prod'],
    files: (repoURL) => ({ 'envs/dev/app.yaml': app('v0'), 'envs/prod/app.yaml': app('v0'), '.trueup/promotions/web.yml': promotionFile(repoURL), '.trueup/promotions/broken.yml': 'kind: Promotion\n' }),
  });
  t.after(() => env.stop());
  const { repoURL, operator, viewer, roots } = env;
  const { testHub } = env;
  const { client } = testHub;
  await eventually('both agents report web', async () => ((await client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === 2 ? true : undefined));
  const version = async (name: string): Promise<string> => (await readFile(join(roots[name] ?? '', 'version'), 'utf8').catch(() => '')).trim();

  // The promotion is read from Git; the broken file is reported with its file and field, and skipped.
  const added = await operator.post<{ promotions: { name: string }[]; invalid: { file: string; error: string }[] }>('/api/v1/promotions/sources', { repoURL });
  assert.deepEqual(added.promotions.map((p) => p.name), ['web']);
  assert.equal(added.invalid[0]?.file, '.trueup/promotions/broken.yml');
  assert.match(added.invalid[0]?.error ?? '', /broken\.yml/);

  const show = (id: string): Promise<ReleaseView> => client.get<ReleaseView>(`/api/v1/releases/${id}`);
  const stageOf = (view: ReleaseView, stage: string) => view.stages.find((s) => s.stage === stage);
  const until = (id: string, stage: string, state: string): Promise<ReleaseView> => eventually(`${id} ${state} in ${stage}`, async () => {
    const view = await show(id);
    const found = stageOf(view, stage)?.state;
    if (found === 'failed' && state !== 'failed') throw new Error(`${id} failed in ${stage}: ${stageOf(view, stage)?.message ?? ''}`);
    return found === state ? view : undefined;
  });

  // A release goes to dev by itself, then waits for an approval before prod.
  const created = await operator.post<{ created: boolean; release: ReleaseView }>('/api/v1/releases', { promotion: 'web', values: { version: 'v1' }, origin: 'ci run 7' });
  assert.equal(created.release.id, 'web-1');
  let view = await until('web-1', 'dev', 'healthy');
  assert.equal(await version('dev'), 'v1');
  const prodGates = stageOf(view, 'prod')?.gates ?? [];
  assert.deepEqual(prodGates.map((g) => [g.gate, g.passed]), [['previous', true], ['approvals', false], ['hold', true]]);
  assert.equal(stageOf(view, 'prod')?.state, undefined, 'not promoted to prod without an approval');
  await assert.rejects(viewer.post('/api/v1/releases/web-1/approve', { stage: 'prod' }), (error) => error instanceof HubApiError && error.status === 403);
  await operator.post('/api/v1/releases/web-1/approve', { stage: 'prod' });
  view = await until('web-1', 'prod', 'healthy');
  assert.equal(await version('prod'), 'v1');
  assert.deepEqual(stageOf(view, 'prod')?.gates.find((g) => g.gate === 'approvals')?.approvedBy?.map((a) => a.split(' ')[0]), ['token:olga']);
  assert.equal(stageOf(view, 'prod')?.requestedBy, 'automation');
  assert.match(stageOf(view, 'prod')?.revision ?? '', /^[0-9a-f]{40}$/);
  assert.ok(stageOf(view, 'prod')?.healthyAt !== undefined && stageOf(view, 'prod')?.committedAt !== undefined);
  // The same values again: the same release, no new one.
  assert.equal((await operator.post<{ created: boolean; release: ReleaseView }>('/api/v1/releases', { promotion: 'web', values: { version: 'v1' } })).created, false);

  // A release the agent cannot apply fails in dev and goes no further; prod keeps web-1.
  await operator.post('/api/v1/releases', { promotion: 'web', values: { version: 'bad' } });
  await operator.post('/api/v1/releases/web-2/approve', { stage: 'prod' });
  view = await until('web-2', 'dev', 'failed');
  assert.match(stageOf(view, 'dev')?.message ?? '', /could not apply/);
  assert.equal(stageOf(view, 'prod')?.state, undefined);
  const promotions = await client.get<{ items: { name: string; stages: { name: string; release: string | null; state: string | null }[] }[] }>('/api/v1/promotions');
  assert.deepEqual(promotions.items[0]?.stages.map((s) => [s.name, s.release, s.state]), [['dev', 'web-2', 'failed'], ['prod', 'web-1', 'healthy']]);
  assert.equal(await version('prod'), 'v1');

  // A newer release recovers dev and reaches prod when approved.
  await operator.post('/api/v1/releases', { promotion: 'web', values: { version: 'v3' } });
  await until('web-3', 'dev', 'healthy');
  await operator.post('/api/v1/releases/web-3/approve', { stage: 'prod' });
  await until('web-3', 'prod', 'healthy');
  assert.equal(await version('prod'), 'v3');

  // A person rolls prod back to web-1: the stage is held, and an approved newer release waits.
  const rolledBack = await operator.post<{ held: boolean }>('/api/v1/releases/web-1/promote', { to: 'prod' });
  assert.equal(rolledBack.held, true);
  await eventually('web-1 back in prod', async () => ((await version('prod')) === 'v1' ? true : undefined));
  await until('web-1', 'prod', 'healthy');
  await operator.post('/api/v1/releases', { promotion: 'web', values: { version: 'v4' } });
  await operator.post('/api/v1/releases/web-4/approve', { stage: 'prod' });
  view = await until('web-4', 'dev', 'healthy');
  await testHub.hub.promotions.settled();
  view = await show('web-4');
  assert.equal(stageOf(view, 'prod')?.state, undefined, 'automation does not promote over a hold');
  assert.match(stageOf(view, 'prod')?.gates.find((g) => g.gate === 'hold')?.reason ?? '', /held by token:olga.*rolled back from web-3 to web-1/);
  assert.equal(await version('prod'), 'v1');
  await operator.post('/api/v1/promotions/web/unhold', { stage: 'prod' });
  await until('web-4', 'prod', 'healthy');
  assert.equal(await version('prod'), 'v4');

  // The deployment history of prod, newest first; every transition in the ledger.
  const history = await client.get<{ items: ReleaseView[] }>('/api/v1/releases?environment=prod');
  assert.deepEqual(history.items.map((r) => r.id), ['web-4', 'web-1', 'web-3']);
  const ledger = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?environment=prod&limit=500&order=asc');
  const kinds = ledger.items.filter((e) => e.kind.startsWith('promotion-') || e.kind.startsWith('release-')).map((e) => `${e.kind}:${typeof e.details.releaseId === 'string' ? e.details.releaseId : ''}`);
  assert.deepEqual(kinds, [
    'release-approved:web-1', 'promotion-started:web-1', 'promotion-committed:web-1', 'promotion-healthy:web-1',
    'release-approved:web-2',
    'release-approved:web-3', 'promotion-started:web-3', 'promotion-committed:web-3', 'promotion-healthy:web-3',
    'promotion-held:', 'promotion-started:web-1', 'promotion-committed:web-1', 'promotion-healthy:web-1',
    'release-approved:web-4', 'promotion-unheld:', 'promotion-started:web-4', 'promotion-committed:web-4', 'promotion-healthy:web-4',
  ]);
  const devFailed = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?environment=dev&kind=promotion-failed');
  assert.deepEqual(devFailed.items.map((e) => e.details.releaseId), ['web-2']);

  // The hub stops after claiming a stage and before writing it: started again, it finishes the write.
  await testHub.down();
  const store = await openStore(join(testHub.dataDir, 'hub.db'));
  const { release } = await store.releases.create({ promotion: 'web', values: { version: 'v5' }, origin: 'test', createdBy: 'token:olga', createdAt: Date.now() });
  assert.equal(await store.releases.start({ releaseId: release.id, promotion: 'web', stage: 'dev', application: 'dev/web', environment: 'dev', manual: false, requestedBy: 'automation', at: Date.now() }), true);
  await store.close();
  await testHub.up();
  await until(release.id, 'dev', 'healthy');
  assert.equal(await version('dev'), 'v5');
  const resumed = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=promotion-resumed');
  assert.deepEqual(resumed.items.map((e) => e.details.releaseId), [release.id]);
});
