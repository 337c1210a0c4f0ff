/**
 * The demo's Kubernetes environment, beside its host: the test env's control plane (etcd,
 * kube-apiserver, controller-manager, scheduler, kwok) when its binaries were built — the
 * Quick start's second line builds them — and a second agent, joined to the hub as `demo-kube`,
 * keeping the repository's `kube/` folder applied there. Without the binaries the demo says how
 * to get them and runs the host alone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type Agent, type AgentEvent } from '@trueup/agent';
import type { HubClient } from '@trueup/hub';
import { KUBE_TESTENV_BUILD, kubeToolsBin, startKubeTestEnv, stopKubeTestEnv } from '@trueup/testkit';

export interface DemoKubernetes {
  kubeconfig: string;
  stateDir: string;
  stop(): Promise<void>;
}

export type DemoKubernetesStart = { started: DemoKubernetes } | { missing: string };

export async function startDemoKubernetes(o: { dir: string; repoURL: string; secretsDir: string; admin: HubClient; onEvent: (event: AgentEvent) => void }): Promise<DemoKubernetesStart> {
  const binDir = kubeToolsBin();
  if (binDir === undefined) return { missing: `no Kubernetes test env built: \`bash ${KUBE_TESTENV_BUILD}\` (or the Quick start's second line) builds it once; run the demo again to get a Kubernetes environment too` };
  const envDir = join(o.dir, 'kube');
  const state = await startKubeTestEnv(envDir, { binDir });
  let agent: Agent | undefined;
  try {
    const appFile = join(o.dir, 'app-kube.yaml');
    await writeFile(appFile, demoKubeApplication(o.repoURL, state.kubeconfig));
    const joinToken = join(o.secretsDir, 'join-token-kube');
    const { token } = await o.admin.post<{ token: string }>('/api/v1/join-tokens', { name: 'demo-kube', labels: { demo: 'true' }, ttl: '10m' });
    await writeFile(joinToken, `${token}\n`, { mode: 0o600 });
    const stateDir = join(o.dir, 'state-kube');
    agent = await startAgent({ stateDir, paths: [appFile], listen: '127.0.0.1:0', onEvent: o.onEvent, hub: { joinTokenFile: joinToken } });
    const running = agent;
    return {
      started: {
        kubeconfig: state.kubeconfig,
        stateDir,
        stop: async () => {
          await running.stop();
          await stopKubeTestEnv(envDir);
        },
      },
    };
  } catch (error) {
    await agent?.stop();
    await stopKubeTestEnv(envDir);
    throw error;
  }
}

/** The Kubernetes Application: the repository's `kube/` folder into namespace demo, created when missing. */
export function demoKubeApplication(repoURL: string, kubeconfig: string): string {
  return `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata:
  name: demo-kube
spec:
  source:
    repoURL: ${repoURL}
    ref: main
    path: kube
    credentials:
      username: demo
      passwordFile: secrets/git-password
  destination:
    kubernetes:
      kubeconfig: ${kubeconfig}
      namespace: demo
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    interval: 30s
    syncOptions: [CreateNamespace=true]
`;
}

/** What the repository's `kube/` folder holds: the web service's config and a Deployment of it. */
export function demoKubeFiles(): Record<string, string> {
  return {
    'kube/web.yaml': `# The web service on Kubernetes: its config, and a Deployment that kwok runs on a fake node.
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: Hello from Trueup
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: demo/web:1.0.0
          envFrom:
            - configMapRef: { name: web-config }
`,
  };
}
