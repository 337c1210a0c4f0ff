/**
 * `node bench/host-promotion.ts [--runs N]`: a promotion to a host, end to end, against the plain
 * hand-off of the same change in the same run. A hub (SQLite), a config repository on a Git
 * smart-HTTP server, and a host agent joined to the hub (interval 1 h: nothing polls) following
 * `envs/dev` (one File). Runs alternate:
 *
 * - promotion: `POST /api/v1/releases` with a new value → the engine writes it (branch writer,
 *   window 250 ms), tells the agent to refresh, and marks the stage Healthy on the agent's report;
 *   timed until `GET /api/v1/releases/ID` (read every 20 ms) shows it;
 * - anchor: `POST /api/v1/gitops/set` of the same kind of change to another key of the same file,
 *   then the hub's held `wait` until the agent reports that revision Healthy (the CI hand-off).
 */
import { parseArgs } from 'node:util';
import type { GitopsSetResult, RevisionWaitResult } from '@trueup/api';
import { promotionManifest, releaseAndSettle, startHandoffEnv, trackPromotions } from '@trueup/testkit/handoff';
import { describeMachine } from './machine.ts';
import { renderTable, type Row } from './table.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } }, strict: true });
const runs = Number(values.runs);
const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);
const POLL_MS = 20;
const GIVE_UP_MS = 60_000;

const env = await startHandoffEnv({
  environments: ['dev'],
  files: (repoURL) => ({
    'envs/dev/app.yaml': 'apiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: version\nspec:\n  path: /srv/version\n  content: "0"   # promoted\n---\napiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: build\nspec:\n  path: /srv/build\n  content: "0"   # set by CI\n',
    '.trueup/promotions/web.yml': promotionManifest(repoURL, `  values: [{ name: version }]
  stages:
    - { name: dev, application: dev/web, set: [{ file: envs/dev/app.yaml, key: spec.content, document: 0, value: version }] }
`),
  }),
});
await trackPromotions(env, 1);
const { client } = env.testHub;

const promoted: number[] = [];
/** Per promotion (hub clock): release made → stage claimed, claimed → commit pushed, pushed → Healthy. */
const phases: [number, number, number][] = [];
const handedOff: number[] = [];
let failures = 0;
for (let run = 1; run <= runs; run += 1) {
  let started = performance.now();
  const { release, stage } = await releaseAndSettle(env, 'web', { version: String(run) }, POLL_MS, GIVE_UP_MS);
  const state = stage?.state;
  if (state !== 'healthy') failures += 1;
  promoted.push(performance.now() - started);
  const at = (iso: string | undefined): number => Date.parse(iso ?? '');
  phases.push([at(stage?.startedAt) - Date.parse(release.createdAt), at(stage?.committedAt) - at(stage?.startedAt), at(stage?.healthyAt) - at(stage?.committedAt)]);

  started = performance.now();
  const set = await env.operator.post<GitopsSetResult>('/api/v1/gitops/set', { repoURL: env.repoURL, edits: [{ file: 'envs/dev/app.yaml', key: 'spec.content', document: 1, value: String(run) }], source: 'bench' });
  let verdict: RevisionWaitResult;
  do verdict = await client.get<RevisionWaitResult>(`/api/v1/environments/dev/applications/web/wait?revision=${set.revision}&timeout=30`);
  while (verdict.state === 'pending' && performance.now() - started < GIVE_UP_MS);
  if (verdict.state !== 'healthy') failures += 1;
  handedOff.push(performance.now() - started);
  log(`run ${run}: promotion ${Math.round(promoted.at(-1) ?? 0)} ms (${state ?? ''}), gitops set ${Math.round(handedOff.at(-1) ?? 0)} ms (${verdict.state})`);
}
await env.stop();

const on = 'hub (SQLite) + host agent joined on 127.0.0.1, Git over smart HTTP, writer window 250 ms, agent interval 1 h';
const rows: Row[] = [
  { id: 'host-promotion', measured: 'release made → the promotion engine writes the value → the agent reports it Healthy → stage Healthy', on, unit: 'ms', samples: promoted, spread: 'p10–p90', targets: [{ kind: 'atMost', stat: 'median', value: 1500 }], peer: 'host-gitops-set' },
  { id: 'host-gitops-set', measured: 'anchor: `gitops set` via the hub → held `wait` answers Healthy (the CI hand-off of the same kind of change)', on: 'same hub, agent and file', unit: 'ms', samples: handedOff, spread: 'p10–p90', peerNote: 'anchor' },
];
const median = (xs: number[]): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN);
const phase = (i: 0 | 1 | 2): number => median(phases.map((p) => p[i]));
process.stdout.write(`${describeMachine().join('\n')}\n\n${renderTable(rows).markdown}\nFailed: ${failures} of ${2 * runs}. Of a promotion (the hub's clock, medians): release made → stage claimed ${phase(0)} ms; claimed → commit pushed ${phase(1)} ms (the 250 ms window included); pushed → stage Healthy ${phase(2)} ms.\n`);
if (failures > 0) process.exitCode = 1;
