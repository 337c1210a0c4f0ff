/**
 * Helpers for the agent's Kubernetes tests: an agent on a namespace of its own, with the
 * test env's kustomize and helm, and ways to read objects and wait for a status.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ApplicationStatus, HistoryEntry } from '@trueup/api';
import { kubeNamespace, kubeRequest, kubeTestEnv, runningAgent, type KubeTestEnv } from '@trueup/testkit';
import { startAgent, type Agent } from './agent.ts';
import { StateStore } from './state-store.ts';

export interface KubeAgentOptions {
  automated?: boolean;
  extraSpec?: string;
  extraSyncPolicy?: string;
  /** More entries of `spec.source` (flow YAML): `helm: {…}`, `kustomize: {…}`. */
  extraSource?: string;
  /** The destination namespace; default a fresh one, created for the test. */
  namespace?: string;
}

export type KubeObject = Record<string, unknown> & { metadata: { name: string; uid: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

/** The run's test env with `kustomize` and `helm` from its tools; undefined when the test was skipped. */
export async function kubeEnv(t: TestContext): Promise<KubeTestEnv | undefined> {
  const env = await kubeTestEnv(t);
  if (env === undefined) return undefined;
  process.env['TRUEUP_KUSTOMIZE'] ||= join(env.binDir, 'kustomize');
  process.env['TRUEUP_HELM'] ||= join(env.binDir, 'helm');
  return env;
}

/** An agent (application `test`, source folder `app`) deploying `files` to a namespace of its own. */
export async function kubeAgent(t: TestContext, files: Record<string, string>, options: KubeAgentOptions = {}) {
  const env = await kubeEnv(t);
  if (env === undefined) return undefined;
  const namespace = options.namespace ?? await kubeNamespace(env, t);
  const running = await runningAgent(t, {
    files,
    destination: `{ kubernetes: { kubeconfig: "${env.kubeconfig}", namespace: ${namespace} } }`,
    ...(options.automated === undefined ? {} : { automated: options.automated }),
    ...(options.extraSpec === undefined ? {} : { extraSpec: options.extraSpec }),
    ...(options.extraSyncPolicy === undefined ? {} : { extraSyncPolicy: options.extraSyncPolicy }),
    ...(options.extraSource === undefined ? {} : { extraSource: options.extraSource }),
  });
  return { ...running, env, namespace };
}

/**
 * An agent on the Flux tree in `workDir/clusters/prod`, with the test env as its cluster
 * (KUBECONFIG, as it was again at the end); stopped, and `dir` (its state in `dir/state`)
 * removed, when the test ends.
 */
export async function startFluxAgent(t: TestContext, env: KubeTestEnv, dir: string, workDir: string): Promise<Agent> {
  const saved = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = env.kubeconfig;
  const agent = await startAgent({ stateDir: join(dir, 'state'), paths: [join(workDir, 'clusters/prod')] });
  t.after(async () => {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
  });
  return agent;
}

/** The object at an API path, or undefined when there is none. */
export async function getObject(env: KubeTestEnv, path: string): Promise<KubeObject | undefined> {
  const response = await kubeRequest(env, 'GET', path);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}: ${response.text}`);
  return JSON.parse(response.text) as KubeObject;
}

/** Polls the agent's status of `name` until `done` holds; fails with the last status after `timeoutMs`. */
export async function waitForStatus(agent: Agent, done: (status: ApplicationStatus) => boolean, what: string, timeoutMs = 60_000, name = 'test'): Promise<ApplicationStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = agent.applications().find((s) => s.name === name);
    if (status !== undefined && done(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(status === undefined ? undefined : brief(status))}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function isSyncedAndHealthy(status: ApplicationStatus): boolean {
  return status.sync === 'Synced' && status.health.status === 'Healthy';
}

/** The application's history, oldest first. */
export function historyOf(stateDir: string, name = 'test'): HistoryEntry[] {
  const store = new StateStore(stateDir, { readOnly: true });
  try {
    return store.history(name).reverse();
  } finally {
    store.close();
  }
}

/** The parts of a status worth printing when an assertion fails. */
export function brief(status: ApplicationStatus | undefined): unknown {
  if (status === undefined) return undefined;
  return {
    sync: status.sync,
    health: status.health,
    error: status.error,
    resources: status.resources.map((r) => `${r.kind}/${r.name} ${r.sync} ${r.health.status}${r.health.message === undefined ? '' : ` (${r.health.message})`}${r.diff === undefined ? '' : `\n${r.diff}`}`),
  };
}

/**
 * An Argo CD hook: a Job run at `phase` (PreSync, PostSync…), named `name` or, with
 * `{ generateName }`, a fresh name with that prefix each time; `deletePolicy` as the annotation has it.
 */
export function hookJob(name: string | { generateName: string }, phase: string, deletePolicy?: string): string {
  return `---
apiVersion: batch/v1
kind: Job
metadata:
  ${typeof name === 'string' ? `name: ${name}` : `generateName: ${name.generateName}`}
  annotations:
    argocd.argoproj.io/hook: ${phase}${deletePolicy === undefined ? '' : `\n    argocd.argoproj.io/hook-delete-policy: ${deletePolicy}`}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: registry.local/migrate:1.0.0 }]
`;
}
