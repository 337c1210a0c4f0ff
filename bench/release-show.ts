/**
 * `node bench/release-show.ts [--events 10000] [--requests 100] [--engines sqlite,postgres]`:
 * "where is this release running and how did it get there" at scale, over real HTTPS against a
 * real hub. Seeds three promotions (dev → staging → prod) whose releases together left the given
 * number of ledger events (release-created, then per stage promotion-started, promotion-committed
 * and the agent's sync of that revision), then times `GET /api/v1/releases/{term}` (what
 * `trueup release show` asks: every stage, the run that made the release, and every agent that
 * applied each of its commits) by a commit SHA and by an image digest, and
 * `GET /api/v1/releases?environment=prod` (what `trueup release list --environment prod` asks).
 * The anchor, measured in the same run, is the same answer assembled the way a user of a tool
 * without this record would: the ledger export read whole and filtered client-side.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ReleaseView } from '@trueup/api';
import { HubClient, startHub } from '@trueup/hub';
import { openPostgres, openStore } from '@trueup/store';
import { createServedRepo, createWorkRepo } from '@trueup/testkit';
import { startPostgres } from '@trueup/testkit/postgres';
import { percentile } from './stats.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000' }, requests: { type: 'string', default: '100' }, engines: { type: 'string', default: 'sqlite,postgres' } } });
const EVENTS = Number(values.events);
const REQUESTS = Number(values.requests);
const PROMOTIONS = ['web', 'api', 'worker'];
const STAGES = ['dev', 'staging', 'prod'];
/** release-created + (started, committed, synced) per stage. */
const EVENTS_PER_RELEASE = 1 + STAGES.length * 3;
const hex = (seed: string, length: number): string => createHash('sha256').update(seed).digest('hex').slice(0, length);

function promotionFile(name: string): string {
  return `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: ${name} }
spec:
  repo: file:///nowhere/config.git
  values: [{ name: image }]
  stages:
${STAGES.map((stage) => `    - { name: ${stage}, application: ${stage}/${name}, set: [{ file: ${stage}/${name}.yaml, key: image, value: image }] }`).join('\n')}
`;
}

/** Seeds releases through the store, as the engine would have recorded them; returns a SHA and a digest of a release in the middle. */
async function seed(location: string): Promise<{ sha: string; digest: string }> {
  const store = await openStore(location);
  const releases = Math.floor(EVENTS / EVENTS_PER_RELEASE);
  let probe = { sha: '', digest: '' };
  const base = Date.now() - releases * 3_600_000;
  for (let r = 0; r < releases; r++) {
    const promotion = PROMOTIONS[r % PROMOTIONS.length] ?? 'web';
    const digest = `registry.local/${promotion}@sha256:${hex(`image-${r}`, 64)}`;
    let at = base + r * 3_600_000;
    const run = { id: `run-${r}`, job: 'release' };
    const { release } = await store.releases.create({ promotion, values: { image: digest }, origin: `run ${run.id}/${run.job}`, run, createdBy: 'automation', createdAt: at });
    await store.ledger.append({ environment: '', at, kind: 'release-created', actor: 'automation', details: { releaseId: release.id, promotion, values: release.values, origin: 'image-automation' } });
    for (const stage of STAGES) {
      const application = `${stage}/${promotion}`;
      const sha = hex(`commit-${r}-${stage}`, 40);
      const detail = { releaseId: release.id, promotion, stage, application };
      await store.releases.start({ releaseId: release.id, promotion, stage, application, environment: stage, manual: false, requestedBy: 'automation', at: ++at });
      await store.ledger.append({ environment: stage, application: promotion, at, kind: 'promotion-started', actor: 'automation', details: { ...detail, values: release.values, manual: false } });
      await store.releases.transition(release.id, stage, ['promoting'], { state: 'verifying', revision: sha, committedAt: ++at });
      await store.ledger.append({ environment: stage, application: promotion, at, kind: 'promotion-committed', actor: 'automation', details: { ...detail, revision: sha, outcome: 'committed' } });
      await store.ledger.append({ environment: stage, application: promotion, at: ++at, kind: 'sync', details: { revision: sha, health: 'Healthy', agent: `agent-${stage}` } });
      await store.releases.transition(release.id, stage, ['verifying'], { state: 'healthy', healthyAt: at, finishedAt: at });
      if (r === Math.floor(releases / 2) && stage === 'prod') probe = { sha, digest };
    }
  }
  await store.close();
  if (/^postgres/.test(location)) {
    // What autovacuum does within a minute of a bulk load: fresh statistics and visibility map.
    const db = openPostgres(location);
    await db.exec('VACUUM ANALYZE');
    await db.close();
  }
  return probe;
}

interface Event { environment: string; at: string; kind: string; details: Record<string, unknown> }

/** The whole ledger export, parsed. */
async function exportLedger(url: string, token: string, ca: string): Promise<Event[]> {
  const client = new HubClient({ url, token, ca });
  const chunks: Buffer[] = [];
  for await (const chunk of await client.download('/api/v1/events/export')) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Event);
}

/** The anchor's answers: the ledger export filtered client-side. */
const anchors = {
  bySha: (events: Event[], sha: string): Event[] => {
    const id = events.find((e) => e.kind === 'promotion-committed' && e.details.revision === sha)?.details.releaseId;
    return events.filter((e) => e.details.releaseId === id || (e.kind === 'sync' && e.details.revision === sha));
  },
  byDigest: (events: Event[], digest: string): Event[] => {
    const id = events.findLast((e) => e.kind === 'release-created' && Object.values(e.details.values as Record<string, string>).includes(digest))?.details.releaseId;
    return events.filter((e) => e.details.releaseId === id);
  },
  prodHistory: (events: Event[]): Event[] => events.filter((e) => e.kind === 'promotion-started' && e.environment === 'prod').reverse().slice(0, 50),
};

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number[]; last: T }> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up
  const ms: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    last = await fn();
    ms.push(performance.now() - started);
  }
  return { ms, last: last as T };
}

const rows: string[] = [];
for (const engine of values.engines.split(',')) {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-release-'));
  const pg = engine === 'postgres' ? await startPostgres() : undefined;
  try {
    const location = pg === undefined ? join(dir, 'hub.db') : await pg.createDatabase('bench');
    const seeding = performance.now();
    const probe = await seed(location);
    process.stderr.write(`${engine}: seeded ${EVENTS} ledger events in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);
    const bare = await createServedRepo(join(dir, 'served'), 'config.git');
    const work = await createWorkRepo(join(dir, 'work'));
    await work.write(Object.fromEntries(PROMOTIONS.map((p) => [`.trueup/promotions/${p}.yml`, promotionFile(p)])));
    await work.commit();
    await work.push(bare);
    const hub = await startHub({ dataDir: dir, listen: '127.0.0.1:0', database: location, log: () => undefined, promotionTickMs: 3_600_000 });
    try {
      const token = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
      const client = new HubClient({ url: hub.url, token, ca: hub.tls.ca });
      await client.post('/api/v1/promotions/sources', { repoURL: `file://${bare}` });
      const ledgerTotal = (await exportLedger(hub.url, token, hub.tls.ca)).length;
      const cases: { label: string; ours: () => Promise<unknown>; anchor: () => Promise<unknown>; check: (answer: unknown) => boolean }[] = [
        {
          label: `release show SHA (prod commit, 12 hex)`,
          ours: () => client.get<ReleaseView>(`/api/v1/releases/${probe.sha.slice(0, 12)}`),
          anchor: async () => anchors.bySha(await exportLedger(hub.url, token, hub.tls.ca), probe.sha),
          check: (answer) => (answer as ReleaseView).stages.some((s) => s.stage === 'prod' && s.revision === probe.sha && s.state === 'healthy') && (answer as ReleaseView).applied?.length === STAGES.length && (answer as ReleaseView).run?.job === 'release',
        },
        {
          label: 'release show DIGEST (image value)',
          ours: () => client.get<ReleaseView>(`/api/v1/releases/${encodeURIComponent(probe.digest)}`),
          anchor: async () => anchors.byDigest(await exportLedger(hub.url, token, hub.tls.ca), probe.digest),
          check: (answer) => (answer as ReleaseView).values.image === probe.digest && (answer as ReleaseView).stages.length === STAGES.length,
        },
        {
          label: 'release list --environment prod (50)',
          ours: () => client.get<{ items: ReleaseView[] }>('/api/v1/releases?environment=prod&limit=50'),
          anchor: async () => anchors.prodHistory(await exportLedger(hub.url, token, hub.tls.ca)),
          check: (answer) => (answer as { items: ReleaseView[] }).items.length === 50,
        },
      ];
      const f = (x: number): string => `${x.toFixed(1)} ms`;
      for (const c of cases) {
        const ours = await time(c.ours);
        if (!c.check(ours.last)) throw new Error(`${c.label}: wrong answer ${JSON.stringify(ours.last).slice(0, 400)}`);
        const anchor = await time(c.anchor);
        const p50 = percentile(ours.ms, 50);
        const p95 = percentile(ours.ms, 95);
        const a50 = percentile(anchor.ms, 50);
        rows.push(`| ${c.label} | ${engine}, ${ledgerTotal} ledger events, ${PROMOTIONS.length} promotions × ${STAGES.length} environments | ${REQUESTS} | ${f(p50)} | ${f(percentile(ours.ms, 10))} – ${f(percentile(ours.ms, 90))} | ${f(p95)} | ${f(a50)} (${f(percentile(anchor.ms, 10))} – ${f(percentile(anchor.ms, 90))}) | ${(p50 / a50).toFixed(3)} | p95 ≤ 100 ms: ${p95 <= 100 ? 'met' : 'not met'} |`);
      }
    } finally {
      await hub.stop();
    }
  } finally {
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
process.stdout.write(['| Measured (HTTPS keep-alive, the CLI\'s API) | On | Requests | Median | Spread (p10–p90) | p95 | Anchor: ledger export filtered client-side, median (p10–p90) | Median ÷ anchor | Target |', '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- |', ...rows].join('\n') + '\n');
