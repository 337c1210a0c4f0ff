/**
 * `node bench/flux-depends.ts [--runs N]`: how soon a Flux Kustomization held by `dependsOn` runs
 * once its dependency is Ready. A Flux tree (infrastructure with a Deployment no node can run yet;
 * apps dependsOn infrastructure) is reconciled by the in-process agent against a test environment
 * of the benchmark's own; the node is then labelled so the Deployment runs. t0: infrastructure
 * reports Ready (the agent's event); t1: apps' pass starts; t2: that pass has applied apps. The peer is Flux's documented default
 * (`--requeue-dependency` 30 s: a held Kustomization asks again every 30 s, so 15 s on average),
 * not run here. Prints a markdown table.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAgent, type AgentEvent } from '@trueup/agent';
import { createServedRepo, createWorkRepo, deploymentManifest, kubeToolsBin } from '@trueup/testkit';
import { startBenchKube } from './kube-env.ts';
import { describeMachine } from './machine.ts';
import { renderTable } from './table.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } }, strict: true });
const runs = Number(values.runs);
const FLUX_REQUEUE_DEPENDENCY_MS = 30_000;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-flux-depends-'));
const binDir = kubeToolsBin();
if (binDir === undefined) throw new Error('the Kubernetes test tools are not built (bash tools/kube-testenv/build.sh)');
process.env['TRUEUP_KUSTOMIZE'] ||= join(binDir, 'kustomize');
const kube = await startBenchKube({ dir, quick: false, log }, join(dir, 'kube'));
process.env['KUBECONFIG'] = kube.kubeconfig;

const kustomization = (ns: string, name: string, spec: string) => `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: ${name}, namespace: ${ns} }
spec:
  interval: 10m
  sourceRef: { kind: GitRepository, name: flux-system }
${spec}`;

const isReady = (event: AgentEvent, name: string): boolean =>
  event.application === name && (event.type === 'pass-finished' || event.type === 'health-changed') && event.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

const waits: number[] = [];
const applied: number[] = [];
try {
  for (let run = 1; run <= runs; run += 1) {
    const id = randomBytes(3).toString('hex');
    const [fluxNs, infraNs, appsNs] = [`flux-${id}`, `infra-${id}`, `apps-${id}`];
    for (const ns of [fluxNs, infraNs, appsNs]) await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const zone = `zone.trueup.dev/${id}`;
    const runDir = join(dir, `run-${run}`);
    const bare = await createServedRepo(join(runDir, 'repos'), 'fleet.git');
    const work = await createWorkRepo(join(runDir, 'work'));
    await work.write({
      'clusters/prod/flux-system/gotk-sync.yaml': `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: flux-system, namespace: ${fluxNs} }
spec: { interval: 1m, ref: { branch: main }, url: file://${bare} }
${kustomization(fluxNs, 'infrastructure', `  path: ./infrastructure\n  prune: true\n  targetNamespace: ${infraNs}\n`)}${kustomization(fluxNs, 'apps', `  dependsOn: [{ name: infrastructure }]\n  path: ./apps\n  prune: true\n  targetNamespace: ${appsNs}\n`)}`,
      'infrastructure/db.yaml': deploymentManifest({ name: 'db', image: 'registry.invalid/trueup/db:1', podSpec: [`nodeSelector: { "${zone}": "yes" }`] }),
      'apps/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { version: "1" }\n',
    });
    await work.commit('flux tree');
    await work.git('push', '--quiet', bare, 'main');
    let readyAt: number | undefined;
    let startedAt: number | undefined;
    let finishedAt: number | undefined;
    let held = false;
    const agent = await startAgent({
      stateDir: join(runDir, 'state'), paths: [join(work.dir, 'clusters/prod')],
      onEvent: (event) => {
        const now = performance.now();
        if (event.type === 'health-changed' && event.application === 'apps' && event.status.conditions.some((c) => c.reason === 'DependencyNotReady')) held = true;
        if (readyAt === undefined && isReady(event, 'infrastructure')) readyAt = now;
        if (startedAt === undefined && readyAt !== undefined && event.type === 'pass-started' && event.application === 'apps') startedAt = now;
        if (finishedAt === undefined && startedAt !== undefined && isReady(event, 'apps')) finishedAt = now;
      },
    });
    try {
      for (const deadline = Date.now() + 60_000; !held;) {
        if (Date.now() > deadline) throw new Error('apps was never held by its dependency');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await kube.call('PATCH', `/api/v1/nodes/${kube.state.nodeName}`, { metadata: { labels: { [zone]: 'yes' } } }, { contentType: 'application/merge-patch+json' });
      for (const deadline = Date.now() + 120_000; finishedAt === undefined;) {
        if (Date.now() > deadline) throw new Error('apps did not start after infrastructure was Ready');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const wait = (startedAt ?? finishedAt) - (readyAt ?? finishedAt);
      waits.push(wait);
      applied.push(finishedAt - (readyAt ?? finishedAt));
      log(`run ${run}/${runs}: dependency Ready → dependent's pass ${wait.toFixed(1)} ms, → dependent Ready ${(finishedAt - (readyAt ?? finishedAt)).toFixed(1)} ms`);
    } finally {
      await agent.stop();
      await kube.call('PATCH', `/api/v1/nodes/${kube.state.nodeName}`, { metadata: { labels: { [zone]: null } } }, { contentType: 'application/merge-patch+json' });
    }
  }
} finally {
  await kube.stop();
  await rm(dir, { recursive: true, force: true });
}

const { markdown } = renderTable([
  {
    id: 'flux-depends', measured: 'Flux `dependsOn`: dependency reports Ready → the held Kustomization\'s pass starts', on: 'in-process agent, Flux tree of 2 Kustomizations, own test environment on this machine',
    unit: 'ms', samples: waits, spread: 'min–max', peer: 'flux-requeue',
    note: 'Until 2026-12-05 a held pass asked its gate every 500 ms (250 ms on average); Flux\'s kustomize-controller requeues a held Kustomization after `--requeue-dependency` (30 s by default).',
  },
  {
    id: 'flux-depends-applied', measured: 'Flux `dependsOn`: dependency reports Ready → the held Kustomization has applied its revision and reports Ready', on: 'same',
    unit: 'ms', samples: applied, spread: 'min–max', peer: 'flux-requeue',
  },
  {
    id: 'flux-requeue', measured: 'Flux, documented, not run here: a held Kustomization asks again every `--requeue-dependency` (30 s), so it waits 15 s on average (0–30 s)', on: 'kustomize-controller defaults',
    unit: 'ms', samples: [FLUX_REQUEUE_DEPENDENCY_MS / 2], spread: 'min–max', peerNote: 'peer (documented)',
  },
]);
process.stdout.write(`${describeMachine().join(' · ')}\n\n${markdown}\n`);
