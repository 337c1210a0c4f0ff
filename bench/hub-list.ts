/**
 * `node bench/hub-list.ts [--apps 10000] [--requests 200] [--engines sqlite,postgres]`: the
 * hub's application list at scale, over real HTTPS (keep-alive) against a real hub. Seeds
 * N applications in 20 environments through the store's ingest (as agents would report them),
 * then times `GET /api/v1/applications` first pages, a filtered page and a deep cursor page.
 * Prints a markdown table: median, p95, p99, spread and the bytes of one answer. On PostgreSQL
 * the seeded tables are vacuumed and analysed first, as autovacuum would within a minute.
 * There is no peer row: Argo CD's API server is not installable here (its numbers at this scale
 * are in the research notes: 2.5–35 s for the unpaged list). The same cases run again as a
 * user whose visibility comes from 200 groups, each granted viewer in its own project (one
 * environment and an application glob each; 1,000 of the applications visible), against the
 * admin's rows measured in the same run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HubClient, startHub } from '@trueup/hub';
import { openPostgres, openStore } from '@trueup/store';
import { startPostgres } from '@trueup/testkit/postgres';
import { percentile } from './stats.ts';

const { values } = parseArgs({ options: { apps: { type: 'string', default: '10000' }, requests: { type: 'string', default: '200' }, engines: { type: 'string', default: 'sqlite,postgres' } } });
const APPS = Number(values.apps);
const REQUESTS = Number(values.requests);
const ENVIRONMENTS = 20;
const SYNC = ['Synced', 'Synced', 'Synced', 'OutOfSync', 'Unknown'];
const HEALTH = ['Healthy', 'Healthy', 'Progressing', 'Degraded'];

async function seed(location: string): Promise<void> {
  const store = await openStore(location);
  for (let e = 0; e < ENVIRONMENTS; e++) {
    const environment = `env-${String(e).padStart(2, '0')}`;
    await store.environments.createJoinToken({ id: environment, environment, labels: { region: e % 2 === 0 ? 'eu' : 'us' }, secretHash: 'x', createdAt: 1, expiresAt: Date.now() + 3_600_000 });
    await store.environments.join(environment, { agentId: `agent-${environment}`, credentialHash: 'x' }, Date.now());
    const per = APPS / ENVIRONMENTS;
    for (let i = 0; i < per; i++) {
      const name = `app-${String(i).padStart(5, '0')}`;
      const n = e * per + i;
      await store.ledger.ingest(environment, `agent-${environment}`, i + 1, Date.now(), {
        kind: 'status', application: name, digest: n.toString(16).padStart(64, '0'),
        status: { name, revision: n.toString(16).padStart(40, 'a'), sync: SYNC[n % SYNC.length], health: { status: HEALTH[n % HEALTH.length] }, lastPassAt: new Date(Date.now() - n * 1000).toISOString(), source: { repoURL: 'https://git.example.com/ops/config.git', ref: 'main', path: `apps/${name}` }, conditions: [], resources: [] },
      });
    }
  }
  await store.close();
  if (/^postgres/.test(location)) {
    // What autovacuum does within a minute of a bulk load: fresh statistics and visibility map.
    const db = openPostgres(location);
    await db.exec('VACUUM ANALYZE');
    await db.close();
  }
}

/** 200 groups, each viewer in a project of one environment and one application glob; a user in all of them. */
async function policy(location: string): Promise<void> {
  const store = await openStore(location);
  const groups = Array.from({ length: 200 }, (_, i) => `team-${String(i).padStart(3, '0')}`);
  await store.users.create({ name: 'member', passwordHash: undefined, groups, createdBy: 'bench', createdAt: Date.now() });
  for (let i = 0; i < groups.length; i++) {
    const name = `project-${String(i).padStart(3, '0')}`;
    // Environment i mod 20; applications app-00K D* (K = i div 20, D = i mod 2): ten each, K ≥ 5 none.
    await store.policy.createProject({ name, environments: [`env-${String(i % ENVIRONMENTS).padStart(2, '0')}`], applications: [`app-00${Math.floor(i / ENVIRONMENTS)}${i % 2}*`], labels: {}, description: '', createdBy: 'bench', createdAt: Date.now() });
    await store.policy.grant({ project: name, subjectKind: 'group', subject: groups[i] ?? '', role: 'viewer', createdBy: 'bench', createdAt: Date.now() });
  }
  await store.close();
}

async function measure(client: HubClient, path: string): Promise<{ ms: number[]; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 10; i++) await client.get(path); // warm-up
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const body = await client.get<unknown>(path);
    ms.push(performance.now() - started);
    bytes = Buffer.byteLength(JSON.stringify(body));
  }
  return { ms, bytes };
}

const rows: string[] = [];
for (const engine of values.engines.split(',')) {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-hub-'));
  const pg = engine === 'postgres' ? await startPostgres() : undefined;
  try {
    const location = pg === undefined ? join(dir, 'hub.db') : await pg.createDatabase('bench');
    const seeding = performance.now();
    await seed(location);
    await policy(location);
    process.stderr.write(`${engine}: seeded ${APPS} applications in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);
    const hub = await startHub({ dataDir: dir, listen: '127.0.0.1:0', database: location, log: () => undefined });
    try {
      const client = new HubClient({ url: hub.url, token: (await readFile(hub.info.adminTokenFile, 'utf8')).trim(), ca: hub.tls.ca });
      const deep = await (async () => {
        let cursor: string | null = null;
        for (let page = 0; page < 50; page++) cursor = (await client.get<{ nextCursor: string | null }>(`/api/v1/applications?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`)).nextCursor;
        return cursor ?? '';
      })();
      const cases: [string, string][] = [
        ['first page, 100 of all, by name', '/api/v1/applications?limit=100'],
        ['first page, 100, by last sync (desc)', '/api/v1/applications?limit=100&sort=lastSyncedAt&order=desc'],
        ['filtered: OutOfSync, label region=eu, name contains "1"', '/api/v1/applications?limit=100&sync=OutOfSync&label=region%3Deu&q=1'],
        ['page 51 by cursor', `/api/v1/applications?limit=100&cursor=${deep}`],
      ];
      const { token } = await client.post<{ token: string }>('/api/v1/tokens', { name: 'bench', user: 'member' });
      const member = new HubClient({ url: hub.url, token, ca: hub.tls.ca });
      const visible = (await member.get<{ total: number }>('/api/v1/applications?limit=1')).total;
      const memberCases: [string, string][] = [
        ['first page, 100, by name', '/api/v1/applications?limit=100'],
        ['first page, 100, by last sync (desc)', '/api/v1/applications?limit=100&sort=lastSyncedAt&order=desc'],
        ['filtered: OutOfSync, label region=eu, name contains "1"', '/api/v1/applications?limit=100&sync=OutOfSync&label=region%3Deu&q=1'],
      ];
      const runs: [string, HubClient, [string, string][]][] = [['admin', client, cases], [`user in 200 groups (200 projects, sees ${visible})`, member, memberCases]];
      const admin = new Map<string, number>();
      for (const [who, caller, list] of runs) {
        for (const [label, path] of list) {
          const { ms, bytes } = await measure(caller, path);
          const f = (x: number): string => `${x.toFixed(1)} ms`;
          const p50 = percentile(ms, 50);
          const p95 = percentile(ms, 95);
          if (caller === client) admin.set(path, p50);
          const ratio = caller === client || admin.get(path) === undefined ? '1.00' : (p50 / (admin.get(path) ?? p50)).toFixed(2);
          rows.push(`| GET /api/v1/applications: ${label} | ${who} | ${engine}, ${APPS} applications in ${ENVIRONMENTS} environments, HTTPS keep-alive | ${REQUESTS} | ${f(p50)} | ${f(percentile(ms, 10))} – ${f(percentile(ms, 90))} (p10–p90) | ${f(p95)} | ${f(percentile(ms, 99))} | ${(bytes / 1024).toFixed(1)} KiB | ${ratio} | p95 ≤ 50 ms, ≤ 100 KB: ${p95 <= 50 && bytes <= 100_000 ? 'met' : 'not met'} |`);
        }
      }
    } finally {
      await hub.stop();
    }
  } finally {
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
process.stdout.write(['| Measured | As | On | Requests | Median | Spread | p95 | p99 | Answer | Median ÷ admin\'s | Target |', '| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |', ...rows].join('\n') + '\n');
