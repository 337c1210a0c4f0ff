/**
 * What `trueup install kubernetes` puts in a cluster, the pull model's way (the agent lives
 * inside): a Namespace, a ServiceAccount, RBAC for the scope, the Applications in a ConfigMap, and
 * a Deployment running `trueup agent` on them. RBAC is the least the scope needs: the agent
 * deploys whatever Git holds, so it may read, create, update, patch and delete every kind,
 * cluster-wide or in its namespace only; never escalate, bind or impersonate. In its namespace
 * only, the agent runs with `--namespaces` so that its drift watches list that namespace, not the
 * cluster; API discovery needs no grant (every authenticated user may read it).
 */

export type InstallScope = 'cluster' | 'namespace';

export interface InstallOptions {
  namespace: string;
  image: string;
  scope: InstallScope;
  /** Application files by name (`web.yaml`), mounted where the agent reads them. */
  applications: Record<string, string>;
}

export const AGENT_NAME = 'trueup-agent';
const LABELS = { 'app.kubernetes.io/name': AGENT_NAME, 'app.kubernetes.io/managed-by': 'trueup-install' };
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const STATE_DIR = '/var/lib/trueup';
const APPLICATIONS_DIR = '/etc/trueup/applications';

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

export function installManifests(options: InstallOptions): Manifest[] {
  const { namespace } = options;
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace } : {}), labels: LABELS });
  const rules = [{ apiGroups: ['*'], resources: ['*'], verbs: VERBS }];
  const subject = [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace }];
  const rbacApi = 'rbac.authorization.k8s.io/v1';
  const rbac: Manifest[] = options.scope === 'cluster'
    ? [
      { apiVersion: rbacApi, kind: 'ClusterRole', metadata: meta(AGENT_NAME, false), rules },
      { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: meta(AGENT_NAME, false), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AGENT_NAME }, subjects: subject },
    ]
    : [
      { apiVersion: rbacApi, kind: 'Role', metadata: meta(AGENT_NAME), rules },
      { apiVersion: rbacApi, kind: 'RoleBinding', metadata: meta(AGENT_NAME), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AGENT_NAME }, subjects: subject },
    ];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace, false) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(AGENT_NAME) },
    ...rbac,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('trueup-applications'), data: options.applications },
    deployment(options, meta(AGENT_NAME)),
  ];
}

function deployment(options: InstallOptions, metadata: Manifest['metadata']): Manifest {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata,
    spec: {
      replicas: 1,
      // One writer per state dir: the old pod stops before the new one starts.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { 'app.kubernetes.io/name': AGENT_NAME } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: AGENT_NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'agent',
            image: options.image,
            args: ['agent', '--state-dir', STATE_DIR, ...(options.scope === 'namespace' ? ['--namespaces', options.namespace] : []), APPLICATIONS_DIR],
            env: [{ name: 'HOME', value: STATE_DIR }, { name: 'TMPDIR', value: '/tmp' }],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
            volumeMounts: [
              { name: 'applications', mountPath: APPLICATIONS_DIR, readOnly: true },
              { name: 'state', mountPath: STATE_DIR },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [
            { name: 'applications', configMap: { name: 'trueup-applications' } },
            { name: 'state', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}
