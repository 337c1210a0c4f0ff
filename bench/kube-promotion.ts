/**
 * `node bench/kube-promotion.ts [--runs N]`: a promotion to Kubernetes, end to end. A hub (SQLite),
 * a config repository on a Git smart-HTTP server, and a Kubernetes agent joined to the hub,
 * following a 10-object application (a Deployment of 2 replicas, a Service, 8 ConfigMaps) on the
 * kube test environment, interval 1 h (nothing polls). Each run makes a release with a new image
 * tag (`POST /api/v1/releases`); the promotion engine writes it into the Deployment through the
 * branch's writer (window 250 ms), tells the agent to refresh, and marks the stage Healthy when the
 * agent reports the rolled-out Deployment Healthy. Timed: the POST → the stage Healthy (read every
 * 20 ms).
 *
 * The anchor, in the same run on the same cluster: the push deploy of the same change — a
 * strategic-merge PATCH of the image of an identical Deployment (what `kubectl set image` sends),
 * then `kubectl rollout status`'s test (observed generation, updated and available replicas) read
 * every 20 ms. Runs alternate between the two.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promotionManifest, releaseAndSettle, startHandoffEnv, trackPromotions, webDeployment, WEB_IMAGE_KEY } from '@trueup/testkit/handoff';
import { startBenchKube } from './kube-env.ts';
import { describeMachine } from './machine.ts';
import { renderTable, type Row } from './table.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } }, strict: true });
const runs = Number(values.runs);
const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);
const POLL_MS = 20;
const GIVE_UP_MS = 60_000;

const objects = (image: string): string => [
  webDeployment(image),
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: { app: web }\n  ports: [{ port: 80, targetPort: 8080 }]\n',
  ...Array.from({ length: 8 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config-${i}\ndata: { index: "${i}" }\n`),
].join('---\n');

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-promotion-'));
const kube = await startBenchKube({ dir, quick: false, log }, join(dir, 'kube'));
const pull = 'bench-promotion';
const push = 'bench-push';
for (const name of [pull, push]) await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const env = await startHandoffEnv({
  environments: ['staging'],
  destination: () => `{ kubernetes: { kubeconfig: "${kube.kubeconfig}", namespace: ${pull} } }`,
  files: (repoURL) => ({
    'envs/staging/web.yaml': objects('registry.invalid/web:0'),
    '.trueup/promotions/web.yml': promotionManifest(repoURL, `  values: [{ name: image }]
  stages:
    - { name: staging, application: staging/web, set: [{ file: envs/staging/web.yaml, key: "${WEB_IMAGE_KEY}", value: image }] }
`),
  }),
});
await trackPromotions(env, 1, 120_000);

// The push side's Deployment, created as kubectl apply would.
const pushPath = `/apis/apps/v1/namespaces/${push}/deployments`;
await kube.call('POST', pushPath, {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:0', ports: [{ containerPort: 8080 }] }] } } },
});
await rolledOut();

async function rolledOut(): Promise<void> {
  const started = performance.now();
  for (;;) {
    const d = await kube.get(`${pushPath}/web`) as { metadata: { generation: number }; spec: { replicas: number }; status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number } };
    const s = d.status ?? {};
    if ((s.observedGeneration ?? 0) >= d.metadata.generation && s.updatedReplicas === d.spec.replicas && s.availableReplicas === d.spec.replicas && s.replicas === d.spec.replicas) return;
    if (performance.now() - started > GIVE_UP_MS) throw new Error('the push Deployment did not roll out');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const promoted: number[] = [];
const toCommit: number[] = [];
const toHealthy: number[] = [];
const pushed: number[] = [];
let failures = 0;
for (let run = 1; run <= runs; run += 1) {
  const image = `registry.invalid/web:${run}`;
  let started = performance.now();
  const { release, stage } = await releaseAndSettle(env, 'web', { image }, POLL_MS, GIVE_UP_MS);
  const state = stage?.state;
  if (state !== 'healthy') failures += 1;
  promoted.push(performance.now() - started);
  const at = (iso: string | undefined): number => Date.parse(iso ?? '');
  toCommit.push(at(stage?.committedAt) - Date.parse(release.createdAt));
  toHealthy.push(at(stage?.healthyAt) - at(stage?.committedAt));

  started = performance.now();
  await kube.call('PATCH', `${pushPath}/web`, { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } }, { contentType: 'application/strategic-merge-patch+json' });
  await rolledOut();
  pushed.push(performance.now() - started);
  log(`run ${run}: promotion ${Math.round(promoted.at(-1) ?? 0)} ms (${state ?? ''}), push ${Math.round(pushed.at(-1) ?? 0)} ms`);
}
await env.stop();
await kube.stop();
await rm(dir, { recursive: true, force: true });

const on = 'kube test env (kwok nodes), 10-object application, hub (SQLite) + Kubernetes agent joined on 127.0.0.1, Git over smart HTTP, writer window 250 ms, agent interval 1 h';
const rows: Row[] = [
  { id: 'kube-promotion', measured: 'release made → the promotion engine writes the image tag → the agent reports the rolled-out Deployment Healthy → stage Healthy', on, unit: 'ms', samples: promoted, spread: 'p10–p90', targets: [{ kind: 'atMost', stat: 'median', value: 3000 }], peer: 'kube-push' },
  { id: 'kube-push', measured: 'anchor: push deploy of the same change (PATCH the image, then rollout status)', on: 'same cluster, an identical Deployment in another namespace', unit: 'ms', samples: pushed, spread: 'p10–p90', peerNote: 'anchor' },
];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
process.stdout.write(`${describeMachine().join('\n')}\n\n${renderTable(rows).markdown}\nFailed promotions: ${failures} of ${runs}. Of a promotion (hub clock, medians): release made → commit pushed ${Math.round(median(toCommit))} ms (the 250 ms window included); commit pushed → stage Healthy ${Math.round(median(toHealthy))} ms.\n`);
if (failures > 0) process.exitCode = 1;
