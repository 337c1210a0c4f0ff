import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkEvent } from '@trueup/api';
import type { HubStore } from './hub-store.ts';
import { onBothEngines } from './testing.ts';
import { globMatches, scopeCovers, type Scope } from './visibility.ts';

const NOW = 1_800_000_000_000;
const status = (name: string, n: number): LinkEvent => ({
  kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'),
  status: { name, revision: `rev${n}`, sync: 'Synced', health: { status: 'Healthy' }, conditions: [], resources: [] },
});

async function seed(store: HubStore): Promise<void> {
  const environments: [string, Record<string, string>, string[]][] = [
    ['prod-eu', { tier: 'prod' }, ['web', 'api', 'web_1']],
    ['prod-us', { tier: 'prod' }, ['web', 'batch']],
    ['stage', { tier: 'stage' }, ['web', "o'brien"]],
    ['pro%d', {}, ['x']],
  ];
  let n = 0;
  for (const [environment, labels, apps] of environments) {
    await store.environments.createJoinToken({ id: `t-${environment}`, environment, labels, secretHash: 'h', createdAt: NOW, expiresAt: NOW + 1000 });
    await store.environments.join(`t-${environment}`, { agentId: `a-${environment}`, credentialHash: 'c' }, NOW);
    let seq = 0;
    for (const app of apps) await store.ledger.ingest(environment, `a-${environment}`, ++seq, NOW, status(app, ++n));
    await store.ledger.append({ environment, at: NOW, kind: 'note', details: {} });
    await store.ledger.append({ environment, at: NOW, kind: 'note', application: apps[0], details: {} });
  }
  await store.ledger.append({ environment: '', at: NOW, kind: 'hub-wide', details: {} });
}

const scope = (environments: string[], applications: string[] = ['*'], labels: Record<string, string> = {}): Scope => ({ environments, applications, labels });

test('access store', async (t) => {
  await onBothEngines(t, 'visibility filters lists in SQL, globs and labels alike on both engines', async (store) => {
    await seed(store);
    const names = async (visible: readonly Scope[] | 'all'): Promise<string[]> => (await store.applications.list({ limit: 100, visible })).items.map((i) => `${i.environment}/${i.name}`).sort();
    assert.equal((await names('all')).length, 8);
    assert.deepEqual(await names([]), []);
    assert.deepEqual(await names([scope(['prod-*'], ['web*'])]), ['prod-eu/web', 'prod-eu/web_1', 'prod-us/web']);
    assert.deepEqual(await names([scope(['*'], ['web?1'])]), ['prod-eu/web_1']);
    assert.deepEqual(await names([scope(['*'], ['*'], { tier: 'stage' })]), ["stage/o'brien", 'stage/web']);
    assert.deepEqual(await names([scope(['stage']), scope(['prod-us'])]), ['prod-us/batch', 'prod-us/web', "stage/o'brien", 'stage/web']);
    // Wildcards of SQL are literal in globs; quotes and SQL are only values.
    assert.deepEqual(await names([scope(['pro%d'])]), ['pro%d/x']);
    assert.deepEqual(await names([scope(['pro_d'])]), []);
    assert.deepEqual(await names([scope(['pro%*'])]), ['pro%d/x']);
    for (const evil of ["' OR 1=1 --", "*' OR '1'='1", 'x"; DROP TABLE applications; --', '[', '\\', '%', '_']) {
      assert.deepEqual(await names([scope([evil], [evil], { [evil]: evil })]), [], evil);
      assert.deepEqual(await names([scope(['*'], [evil])]), [], evil);
    }
    assert.deepEqual(await names([scope(['stage'], ["o'*"])]), ["stage/o'brien"]);
    // Exact environments with exact or prefix names read key ranges; the same answers.
    assert.deepEqual(await names([scope(['prod-eu'], ['web*'])]), ['prod-eu/web', 'prod-eu/web_1']);
    assert.deepEqual(await names([scope(['prod-eu', 'prod-us'], ['we*', 'batch'])]), ['prod-eu/web', 'prod-eu/web_1', 'prod-us/batch', 'prod-us/web']);
    assert.deepEqual(await names([scope(['prod-eu'], ['web_*'])]), ['prod-eu/web_1'], 'a prefix range takes _ literally');
    assert.deepEqual(await names([scope(['prod-eu'], ['wea*', 'wec*'])]), []);
    assert.deepEqual(await names([scope(['prod-eu', 'stage'], ['web'], { tier: 'prod' })]), ['prod-eu/web']);
    assert.deepEqual(await names([scope(["' OR 1=1 --"], ["x' OR 'a'='a*", "%*"])]), []);
    assert.equal((await store.applications.list({ limit: 1, visible: [scope(['prod-*'])] })).total, 5);
    // Environments, the ledger and their counts follow the same scopes.
    const environments = await store.environments.list([scope(['prod-*'], ['web'])]);
    assert.deepEqual(environments.map((e) => [e.name, e.applications]), [['prod-eu', 1], ['prod-us', 1]]);
    const events = await store.ledger.list({ limit: 100, visible: [scope(['stage'], ['nothing'])] });
    assert.deepEqual(events.items.map((e) => [e.environment, e.application ?? null, e.kind]), [['stage', null, 'note']], 'environment-wide entries of a visible environment; not hub-wide ones');
    assert.equal((await store.ledger.list({ limit: 100, visible: 'all' })).items.filter((e) => e.kind === 'hub-wide').length, 1);
    // Many ranges (PostgreSQL reads them from one VALUES list): the same answers, and duplicates once.
    const ranges = [...Array.from({ length: 30 }, (_, i) => scope(['prod-eu', 'prod-us'], [`zz${i}*`, `web_${i}`])), scope(['prod-eu', 'prod-us'], ['we*']), scope(['prod-eu'], ['web']), scope(['stage'], ["o'brien"])];
    assert.deepEqual(await names(ranges), ['prod-eu/web', 'prod-eu/web_1', 'prod-us/web', "stage/o'brien"]);
    assert.equal((await store.applications.list({ limit: 1, visible: ranges })).total, 4);
    // Pages of the ranges by cursor, in either order: each visible application once.
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.applications.list({ limit: 1, visible: ranges, order, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.items.map((i) => `${i.environment}/${i.name}`));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      assert.deepEqual(seen, order === 'asc' ? ["stage/o'brien", 'prod-eu/web', 'prod-us/web', 'prod-eu/web_1'] : ['prod-eu/web_1', 'prod-us/web', 'prod-eu/web', "stage/o'brien"], order);
    }
    assert.deepEqual((await store.environments.list(ranges)).map((e) => [e.name, e.applications]), [['prod-eu', 2], ['prod-us', 1], ['stage', 1]]);
    // Visibility is one condition among the list's others (a removed application stays removed).
    await store.ledger.ingest('prod-us', 'a-prod-us', 10, NOW, { kind: 'removed', application: 'batch' });
    for (const visible of [[scope(['prod-us'], ['web']), scope(['prod-us'], ['batch'])], [scope(['prod-*'], ['web']), scope(['prod-*'], ['ba*'])], ranges]) {
      assert.deepEqual((await store.applications.list({ limit: 100, visible, environment: 'prod-us' })).items.map((i) => i.name), ['web'], JSON.stringify(visible).slice(0, 80));
    }
    const many = Array.from({ length: 200 }, (_, i) => scope([`team-${i}`]));
    assert.deepEqual(await names([...many, scope(['stage'])]), ["stage/o'brien", 'stage/web']);
  });

  await onBothEngines(t, 'users, sessions and tokens: disabling a user ends both, and moves the access version', async (store) => {
    const v0 = await store.accessVersion();
    assert.equal(await store.users.create({ name: 'alice', passwordHash: 'h1', groups: ['ops'], createdBy: 'admin', createdAt: NOW }), true);
    assert.equal(await store.users.create({ name: 'alice', passwordHash: 'h2', groups: [], createdBy: 'admin', createdAt: NOW }), false);
    const identity = { kind: 'user' as const, subject: 'user:alice', name: 'alice', groups: ['ops'] };
    await store.sessions.create('s1', { subject: 'user:alice', identity, createdAt: NOW, expiresAt: NOW + 1000 });
    assert.deepEqual((await store.sessions.get('s1', NOW))?.identity, identity);
    assert.equal(await store.sessions.get('s1', NOW + 1000), undefined, 'expired');
    await store.tokens.create({ id: 'k1', name: 'laptop', role: 'user', secretHash: 'x', createdAt: NOW, owner: 'user:alice', identity, expiresAt: NOW + 5000 });
    await store.tokens.create({ id: 'k2', name: 'ci', role: 'user', secretHash: 'x', createdAt: NOW + 1, owner: 'user:bob' });
    assert.deepEqual((await store.tokens.list('user:alice')).map((k) => [k.id, k.expiresAt, k.identity?.name]), [['k1', NOW + 5000, 'alice']]);
    assert.equal(await store.tokens.revoke('k2', NOW, 'user:alice'), false, 'not the owner');
    assert.equal(await store.users.disable('alice', NOW + 10), true);
    assert.equal(await store.users.disable('alice', NOW + 11), false);
    assert.equal(await store.sessions.get('s1', NOW), undefined);
    assert.equal((await store.tokens.get('k1'))?.revokedAt, NOW + 10);
    assert.ok((await store.accessVersion()) > v0);
    await store.loginRequests.put('r1', { verifier: 'v' }, NOW + 100);
    assert.deepEqual(await store.loginRequests.take('r1', NOW), { verifier: 'v' });
    assert.equal(await store.loginRequests.take('r1', NOW), undefined, 'taken once');
    await store.loginRequests.put('r2', {}, NOW + 100);
    assert.equal(await store.loginRequests.take('r2', NOW + 100), undefined, 'expired');
  });

  await onBothEngines(t, 'policy: projects, roles and grants reach users and their groups', async (store) => {
    const project = { name: 'payments', environments: ['prod-*'], applications: ['pay*'], labels: { tier: 'prod' }, description: '', createdBy: 'admin', createdAt: NOW };
    assert.equal(await store.policy.createProject(project), true);
    assert.equal(await store.policy.createProject(project), false);
    assert.deepEqual((await store.policy.projects()).map((p) => p.name), ['*', 'payments']);
    await store.policy.putRole({ name: 'deployer', verbs: ['get', 'sync'], createdBy: 'admin', createdAt: NOW });
    assert.equal(await store.policy.grant({ project: 'payments', subjectKind: 'group', subject: 'pay-team', role: 'deployer', createdBy: 'admin', createdAt: NOW }), true);
    assert.equal(await store.policy.grant({ project: 'nope', subjectKind: 'user', subject: 'alice', role: 'viewer', createdBy: 'admin', createdAt: NOW }), false);
    assert.equal(await store.policy.grant({ project: '*', subjectKind: 'user', subject: 'alice', role: 'viewer', createdBy: 'admin', createdAt: NOW }), true);
    const reached = await store.policy.grantsFor('alice', ['pay-team', 'other']);
    assert.deepEqual(reached.map((r) => [r.project.name, r.grant.role, r.project.environments]), [['*', 'viewer', ['*']], ['payments', 'deployer', ['prod-*']]]);
    assert.deepEqual(await store.policy.grantsFor('bob', []), []);
    assert.equal(await store.policy.deleteProject('*'), false);
    assert.equal(await store.policy.deleteProject('payments'), true);
    assert.deepEqual((await store.policy.grants()).map((g) => g.project), ['*']);
    assert.equal(await store.policy.revoke('*', 'user', 'alice', 'viewer'), true);
    assert.equal(await store.policy.revoke('*', 'user', 'alice', 'viewer'), false);
  });
});

test('globs in memory agree with the SQL ones', () => {
  assert.equal(globMatches('prod-*', 'prod-eu'), true);
  assert.equal(globMatches('prod-*', 'stage'), false);
  assert.equal(globMatches('web?1', 'web_1'), true);
  assert.equal(globMatches('pro%d', 'prod'), false);
  assert.equal(globMatches('a.b', 'axb'), false);
  assert.equal(scopeCovers(scope(['prod-*'], ['web'], { tier: 'prod' }), 'prod-eu', { tier: 'prod' }, 'web'), true);
  assert.equal(scopeCovers(scope(['prod-*'], ['web'], { tier: 'prod' }), 'prod-eu', {}, 'web'), false);
  assert.equal(scopeCovers(scope(['prod-*'], ['web']), 'prod-eu', {}), true, 'the environment alone');
});
