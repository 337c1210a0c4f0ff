/**
 * Kubernetes commit → converged after refresh: an application of 10 objects (a Deployment, a
 * Service and 8 ConfigMaps); each commit changes 3 ConfigMaps and the Deployment's pod template.
 * The time runs from `POST …/refresh?wait=true` until the pass reports Synced at the new commit
 * with the changed objects live, and on until the Deployment is rolled out and the agent
 * reports it Healthy.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';
import { AgentProcess } from './kube-agent.ts';
import { apiRequestCounts, CollectionWatch, CpuAccount, requestDelta, type BenchKube, type WatchedObject } from './kube-env.ts';
import { untilHealthy } from './kube-heal.ts';
import { configMap, deployment, kubeAppFile, manifestFile, service, writeText, type Manifest } from './kube-manifests.ts';
import type { KubeShared } from './kube-shared.ts';
import { createBenchRepo } from './repo-fixture.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

const NAMESPACE = 'bench-commit';
const APP = 'kube-commit';
const CONFIG_MAPS = 8;
const CHANGED_CONFIG_MAPS = 3;
const REPLICAS = 2;
const POLL_MS = 25;
const GIVE_UP_MS = 60_000;

function objects(version: number): Manifest[] {
  return [
    deployment('web', { replicas: REPLICAS, version }),
    service('web'),
    ...Array.from({ length: CONFIG_MAPS }, (_, i) => configMap(`web-config-${i}`, { index: String(i), version: String(i < CHANGED_CONFIG_MAPS ? version : 0) })),
  ];
}

export async function benchKubeCommit(ctx: BenchContext, shared: KubeShared): Promise<Row[]> {
  const kube = await shared.small();
  const dir = join(ctx.dir, 'kube-commit');
  const trials = ctx.quick ? 5 : 20;
  const repo = await createBenchRepo(join(dir, 'repo'), { 'web/objects.yaml': manifestFile(objects(0)) });
  const appFile = await writeText(join(dir, 'applications', `${APP}.yaml`), kubeAppFile({ name: APP, repoURL: repo.repoURL, path: 'web', kubeconfig: kube.kubeconfig, namespace: NAMESPACE }));
  const agent = await AgentProcess.start({ stateDir: join(dir, 'state'), paths: [appFile], logFile: join(dir, 'agent.log') });
  let watch: CollectionWatch | undefined;
  const synced: number[] = [];
  const rolledOut: number[] = [];
  const reported: number[] = [];
  const total: number[] = [];
  let perTrial = '';
  let machine = '';
  try {
    await untilHealthy(agent, APP);
    watch = await CollectionWatch.open(kube, `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`);
    const requestsBefore = await apiRequestCounts(kube);
    const account = new CpuAccount(kube, agent.pid);
    for (let version = 1; version <= trials; version++) {
      const tCommit = performance.now();
      const sha = await repo.commitAndPush({ 'web/objects.yaml': manifestFile(objects(version)) }, `version ${version}`);
      const rollout = watch.next((e) => e.object.metadata.name === 'web' && isRolledOut(e, version), GIVE_UP_MS);
      const t0 = performance.now();
      const status = await agent.refresh(APP);
      if (status.revision !== sha || status.appliedRevision !== sha || status.sync !== 'Synced') {
        throw new Error(`kube-commit: not Synced at ${sha}: ${JSON.stringify({ revision: status.revision, applied: status.appliedRevision, sync: status.sync, error: status.error })}`);
      }
      await expectLive(kube, version);
      const tSynced = performance.now();
      const [rolled, tReported] = await Promise.all([rollout, untilReportedHealthy(agent, sha)]);
      synced.push(tSynced - t0);
      rolledOut.push(Math.max(tSynced, rolled.at) - t0);
      reported.push(tReported - t0);
      total.push(tReported - tCommit);
      ctx.log(`kube-commit ${version}/${trials}: Synced and live ${(tSynced - t0).toFixed(0)} ms, rolled out ${(rolled.at - t0).toFixed(0)} ms, agent reports Healthy ${(tReported - t0).toFixed(0)} ms`);
    }
    // Agent, controllers and the benchmark's own GETs together; per trial.
    machine = account.describe();
    const delta = requestDelta(requestsBefore, await apiRequestCounts(kube));
    const ours = delta.filter(([key]) => /^(APPLY|GET) /.test(key));
    const others = delta.filter(([key]) => !/^(APPLY|GET) /.test(key)).reduce((sum, [, n]) => sum + n, 0);
    perTrial = `${ours.map(([key, n]) => `${key} ${(n / trials).toFixed(1)}`).join(', ')}; other verbs (controllers: pods, ReplicaSets, status, events) ${(others / trials).toFixed(1)}`;
  } finally {
    watch?.close();
    await agent.stop();
  }
  const on = `\`trueup agent\` process; 10 objects (Deployment of ${REPLICAS} replicas, Service, ${CONFIG_MAPS} ConfigMaps), file:// repository; each commit changes ${CHANGED_CONFIG_MAPS} ConfigMaps and the pod template`;
  const target = [{ kind: 'atMost' as const, stat: 'median' as const, value: 2000 }];
  return [{
    id: 'kube-commit-synced',
    measured: 'Kubernetes commit → converged: `POST …/refresh?wait=true` until the pass reports Synced at the new commit and the changed objects read back changed',
    on, unit: 'ms', samples: synced, spread: 'p10–p90', targets: target, peerNote: 'n/a (no peer run here)',
    note: `The pass does not wait for the rollout. "Read back" is a GET of the 3 ConfigMaps and the Deployment, inside the time. API requests per trial (apiserver_request_total over all trials ÷ ${trials}; APPLY and GET are the agent's, with the benchmark's 4 read-back GETs): ${perTrial}. CPU over the trials: ${machine}.`,
  }, {
    id: 'kube-commit-rolled-out',
    measured: 'Kubernetes commit → converged and rolled out: as above, until the Deployment is rolled out (a watch sees observedGeneration current and every replica updated and available)',
    on: 'same', unit: 'ms', samples: rolledOut, spread: 'p10–p90', targets: target, peerNote: 'n/a (no peer run here)',
  }, {
    id: 'kube-commit-reported',
    measured: 'Kubernetes commit → Synced and Healthy as the agent reports it (`GET /api/v1/applications`, polled every 25 ms)',
    on: 'same', unit: 'ms', samples: reported, spread: 'p10–p90', targets: target, peerNote: 'n/a (no peer run here)',
    note: `A pass does not wait for a rollout: it reports Progressing, and the Deployment's status updates, delivered by the agent's watch, move it to Healthy (packages/agent/src/app-runtime.ts, applyObserved). Rollout alone (previous row minus the first): median ${summarize(rolledOut.map((r, i) => r - (synced[i] ?? 0))).median.toFixed(0)} ms.`,
  }, {
    id: 'kube-commit-total',
    measured: 'Kubernetes commit + push + refresh until the agent reports Synced and Healthy, total',
    on: 'same; git commit and push to the served bare repository included', unit: 'ms', samples: total, spread: 'p10–p90', peerNote: '—',
  }];
}

function isRolledOut(event: WatchedObject, version: number): boolean {
  const { metadata, spec, status } = event.object;
  const template = (spec?.['template'] as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations;
  if (template?.['bench.trueup.dev/version'] !== String(version)) return false;
  const replicas = spec?.['replicas'];
  return status !== undefined && typeof metadata.generation === 'number' && Number(status['observedGeneration']) >= metadata.generation
    && status['updatedReplicas'] === replicas && status['availableReplicas'] === replicas && status['readyReplicas'] === replicas && status['replicas'] === replicas;
}

async function expectLive(kube: BenchKube, version: number): Promise<void> {
  for (let i = 0; i < CHANGED_CONFIG_MAPS; i++) {
    const map = await kube.get(`/api/v1/namespaces/${NAMESPACE}/configmaps/web-config-${i}`) as { data?: Record<string, string> } | undefined;
    if (map?.data?.['version'] !== String(version)) throw new Error(`kube-commit: ConfigMap web-config-${i} does not hold version ${version}`);
  }
  const web = await kube.get(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments/web`) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined;
  if (web?.spec?.template?.metadata?.annotations?.['bench.trueup.dev/version'] !== String(version)) throw new Error(`kube-commit: Deployment web does not hold version ${version}`);
}

/** Polls the agent's status until the application is Synced and Healthy at `sha`; returns when it saw it. */
async function untilReportedHealthy(agent: AgentProcess, sha: string): Promise<number> {
  const deadline = performance.now() + GIVE_UP_MS;
  for (;;) {
    const status = (await agent.applications()).find((a) => a.name === APP);
    const at = performance.now();
    if (status?.revision === sha && status.sync === 'Synced' && status.health.status === 'Healthy') return at;
    if (at > deadline) throw new Error(`kube-commit: not reported Healthy within ${GIVE_UP_MS / 1000} s: ${JSON.stringify(status?.health)}`);
    await sleep(POLL_MS);
  }
}
