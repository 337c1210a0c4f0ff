/**
 * Kubernetes drift → healed: another field manager (`kubectl-edit`, a JSON merge patch) changes a
 * field Git sets, and the time runs from the patch's response until the benchmark's own watch
 * sees the object back as Git has it. The agent is the real `trueup agent` process.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';
import { AgentProcess, type LogEvent } from './kube-agent.ts';
import { CollectionWatch, CpuAccount, type BenchKube, type WatchedObject } from './kube-env.ts';
import { configMap, deployment, kubeAppFile, manifestFile, writeText } from './kube-manifests.ts';
import type { KubeShared } from './kube-shared.ts';
import { createBenchRepo } from './repo-fixture.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

const NAMESPACE = 'bench-heal';
const APP = 'kube-heal';
const CONFIG_MAPS = 100;
const DEPLOYMENTS = 20;
/** Each Deployment is changed this often: under the 5 heals a minute that make an object Fighting. */
const DEPLOYMENT_ROUNDS = 2;
const SPACING_MS = 50;
const GIVE_UP_MS = 15_000;
const MERGE_PATCH = { contentType: 'application/merge-patch+json' };

interface Trial {
  name: string;
  /** The path of the object in the API. */
  path: string;
  tamper: unknown;
  /** True for the tampered object, false for the object as Git has it, undefined for neither. */
  state(event: WatchedObject): boolean | undefined;
}

export async function benchKubeHeal(ctx: BenchContext, shared: KubeShared): Promise<Row[]> {
  const kube = await shared.small();
  const dir = join(ctx.dir, 'kube-heal');
  const configMaps = Array.from({ length: CONFIG_MAPS }, (_, i) => `settings-${String(i).padStart(3, '0')}`);
  const deployments = Array.from({ length: DEPLOYMENTS }, (_, i) => `web-${String(i).padStart(2, '0')}`);
  const repo = await createBenchRepo(join(dir, 'repo'), {
    'heal/configmaps.yaml': manifestFile(configMaps.map((name) => configMap(name, { mode: 'fast', owner: name }))),
    'heal/deployments.yaml': manifestFile(deployments.map((name) => deployment(name, { replicas: 1 }))),
  });
  const appFile = await writeText(join(dir, 'applications', `${APP}.yaml`), kubeAppFile({ name: APP, repoURL: repo.repoURL, path: 'heal', kubeconfig: kube.kubeconfig, namespace: NAMESPACE }));
  const healed: LogEvent[] = [];
  let deferred = 0;
  const agent = await AgentProcess.start({
    stateDir: join(dir, 'state'), paths: [appFile], logFile: join(dir, 'agent.log'),
    onEvent: (event) => {
      if (event.event === 'drift-healed') healed.push(event);
      if (event.event === 'heal-deferred') deferred++;
    },
  });
  const watches: CollectionWatch[] = [];
  try {
    await untilHealthy(agent, APP);
    const cmWatch = await CollectionWatch.open(kube, `/api/v1/namespaces/${NAMESPACE}/configmaps`);
    const deployWatch = await CollectionWatch.open(kube, `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`);
    watches.push(cmWatch, deployWatch);
    await sleep(500);
    const account = new CpuAccount(kube, agent.pid);
    const cmTrials = ctx.quick ? 20 : CONFIG_MAPS;
    const configMapMs = await runTrials(ctx, kube, agent, cmWatch, 'ConfigMap', Array.from({ length: cmTrials }, (_, i): Trial => {
      const name = configMaps[i] ?? '';
      return {
        name, path: `/api/v1/namespaces/${NAMESPACE}/configmaps/${name}`, tamper: { data: { mode: `slow-${i}` } },
        state: (e) => (e.object.data?.['mode'] === `slow-${i}` ? true : e.object.data?.['mode'] === 'fast' ? false : undefined),
      };
    }));
    const deployTrials = ctx.quick ? 10 : DEPLOYMENTS * DEPLOYMENT_ROUNDS;
    const deploymentMs = await runTrials(ctx, kube, agent, deployWatch, 'Deployment', Array.from({ length: deployTrials }, (_, i): Trial => {
      const name = deployments[i % DEPLOYMENTS] ?? '';
      return {
        name, path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${name}`, tamper: { spec: { replicas: 2 } },
        state: (e) => (e.object.spec?.['replicas'] === 2 ? true : e.object.spec?.['replicas'] === 1 ? false : undefined),
      };
    }));
    const own = (kind: string): string => {
      const ms = healed.filter((e) => e.object?.startsWith(`${kind}/`)).map((e) => e.durationMs ?? NaN);
      if (ms.length === 0) return 'none';
      const s = summarize(ms);
      return `median ${s.median.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms over ${ms.length} events`;
    };
    const machine = account.describe();
    const final = (await agent.applications()).find((a) => a.name === APP);
    if (final?.sync !== 'Synced') throw new Error(`kube-heal: the application ended ${final?.sync ?? 'missing'}`);
    const on = (kind: string, count: number): string => `\`trueup agent\` process; application of ${CONFIG_MAPS} ConfigMaps + ${DEPLOYMENTS} Deployments; one ${kind} per trial${count > 1 ? ` (each ${count} times)` : ''}, ${SPACING_MS} ms apart`;
    const targets = [{ kind: 'atMost' as const, stat: 'median' as const, value: 300 }, { kind: 'atMost' as const, stat: 'p99' as const, value: 1000 }];
    return [{
      id: 'kube-heal-configmap',
      measured: 'Kubernetes drift → healed: a ConfigMap\'s `data` merge-patched by field manager `kubectl-edit`, until a watch sees Git\'s value back',
      on: on('ConfigMap', 1), unit: 'ms', samples: configMapMs, spread: 'p10–p90', showP99: true, targets,
      peerNote: 'n/a (no peer run here)',
      note: `t0 when the PATCH's response arrives; t1 when the benchmark's own watch on the namespace's ConfigMaps delivers the event with Git's value (after the one with the foreign value). The agent's own drift-healed durationMs (from its watch event to healed): ${own('ConfigMap')}. Deferred heals (Fighting backoff) over both rows: ${deferred}. CPU over both rows' trials: ${machine}.`,
    }, {
      id: 'kube-heal-deployment',
      measured: 'Kubernetes drift → healed: a Deployment\'s `spec.replicas` merge-patched from 1 to 2 by `kubectl-edit`, until a watch sees 1 again',
      on: on('Deployment', ctx.quick ? 1 : DEPLOYMENT_ROUNDS), unit: 'ms', samples: deploymentMs, spread: 'p10–p90', showP99: true, targets,
      peerNote: 'n/a (no peer run here)',
      note: `As above, on the namespace's Deployments; the ReplicaSet controller meanwhile starts a second pod (kwok) and the heal removes it. The agent's own drift-healed durationMs: ${own('Deployment')}.`,
    }];
  } finally {
    for (const watch of watches) watch.close();
    await agent.stop();
  }
}

async function runTrials(ctx: BenchContext, kube: BenchKube, agent: AgentProcess, watch: CollectionWatch, kind: string, trials: readonly Trial[]): Promise<number[]> {
  const samples: number[] = [];
  for (const [i, trial] of trials.entries()) {
    let tampered = false;
    const back = watch.next((e) => {
      if (e.object.metadata.name !== trial.name) return false;
      const state = trial.state(e);
      if (state === true) tampered = true;
      return tampered && state === false;
    }, GIVE_UP_MS);
    const agentHealed = agent.next((e) => e.event === 'drift-healed' && e.object === `${kind}/${NAMESPACE}/${trial.name}`, GIVE_UP_MS);
    await kube.call('PATCH', `${trial.path}?fieldManager=kubectl-edit`, trial.tamper, MERGE_PATCH);
    const t0 = performance.now();
    const event = await back;
    // The healed event read before the patch's response was handled would be negative: count it as 0.
    samples.push(Math.max(0, event.at - t0));
    await agentHealed;
    ctx.log(`kube-heal ${kind} ${i + 1}/${trials.length}: ${(event.at - t0).toFixed(1)} ms`);
    await sleep(SPACING_MS);
  }
  return samples;
}

/** Waits until the application's status is Synced and Healthy (its pods run). */
export async function untilHealthy(agent: AgentProcess, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await agent.applications()).find((a) => a.name === name);
    if (status?.sync === 'Synced' && status.health.status === 'Healthy') return;
    if (Date.now() > deadline) throw new Error(`${name}: not Synced and Healthy within ${timeoutMs / 1000} s: ${JSON.stringify({ sync: status?.sync, health: status?.health, error: status?.error })}`);
    await sleep(100);
  }
}
