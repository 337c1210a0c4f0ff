/**
 * Kubernetes manifests and Application files for the Kubernetes benchmarks. Manifests are JSON
 * documents (valid YAML), several per file separated by `---`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type Manifest = Record<string, unknown>;

export function configMap(name: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

export function secret(name: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', stringData: data };
}

/** A Service; `headless` needs no cluster IP (the test environment's service range is a /24). */
export function service(name: string, options: { headless?: boolean } = {}): Manifest {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name },
    spec: { ...(options.headless === true ? { clusterIP: 'None' } : {}), selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

/** A Deployment of one container; `version` goes into the pod template, so a new one rolls out. */
export function deployment(name: string, options: { replicas?: number; version?: number } = {}): Manifest {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'bench.trueup.dev/version': String(options.version ?? 0) } },
        spec: { containers: [{ name: 'web', image: 'registry.invalid/bench/web:1', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

export function serviceAccount(name: string): Manifest {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } };
}

export function role(name: string): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
  };
}

export function roleBinding(name: string, roleName: string, serviceAccountName: string): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName }],
  };
}

/** Several manifests as one multi-document YAML file. */
export function manifestFile(manifests: readonly Manifest[]): string {
  return manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join('');
}

export interface KubeAppFileOptions {
  name: string;
  repoURL: string;
  /** Folder of the manifests in the repository. */
  path: string;
  kubeconfig: string;
  namespace: string;
}

/**
 * An Application of the manifests in `path` for the test environment: automated prune and self-heal,
 * `CreateNamespace=true`, and an interval of 24h, so passes run at start and on refresh only.
 */
export function kubeAppFile(o: KubeAppFileOptions): string {
  return `---
apiVersion: trueup.dev/v1alpha1
kind: Application
metadata:
  name: ${o.name}
spec:
  source:
    repoURL: "${o.repoURL}"
    ref: main
    path: ${o.path}
  destination:
    kubernetes:
      kubeconfig: "${o.kubeconfig}"
      namespace: ${o.namespace}
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    interval: 24h
    syncOptions: [CreateNamespace=true]
`;
}

export async function writeText(file: string, text: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}
