/**
 * The Kubernetes scenario: every commit adds a generation of ConfigMaps, drops the previous
 * generation's, and changes the data of shared ones. The kill lands while the agent applies or
 * prunes them; afterwards nothing labelled as the application's may remain that Git no longer
 * declares, and the inventory may list nothing that is gone.
 */
import { keyId, parseKeyId, type ObjectKey } from '@trueup/api';
import type { AgentFixture } from '../app-fixture.ts';
import { kubeCall, type KubeCredentials } from '../kube-testenv-http.ts';
import { until } from './host-files-scenario.ts';
import type { ConvergedState, CrashScenario, PhaseWindow, Violation } from './scenario.ts';

export interface KubeConfigMapsOptions {
  credentials: KubeCredentials;
  kubeconfig: string;
  namespace: string;
  /** ConfigMaps per generation; default 15. */
  perGeneration?: number;
  /** ConfigMaps whose data every commit changes; default 4. */
  shared?: number;
}

interface ConfigMap {
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

export function kubeConfigMapsScenario(_fixture: AgentFixture, options: KubeConfigMapsOptions): CrashScenario {
  const { credentials, namespace } = options;
  const perGeneration = options.perGeneration ?? 15;
  const shared = options.shared ?? 4;
  const objects = (g: number): Map<string, Record<string, string>> => {
    const map = new Map<string, Record<string, string>>();
    for (let i = 0; i < perGeneration; i++) map.set(`gen-${g}-${i}`, { generation: String(g), index: String(i) });
    for (let i = 0; i < shared; i++) map.set(`shared-${i}`, { generation: String(g) });
    return map;
  };
  const ours = async (): Promise<ConfigMap[]> => {
    const list = await kubeCall(credentials, 'GET', `/api/v1/namespaces/${namespace}/configmaps?labelSelector=${encodeURIComponent('trueup.dev/application=test')}`) as { items: ConfigMap[] };
    return list.items.filter((item) => item.metadata.labels?.['app.kubernetes.io/managed-by'] === 'trueup');
  };
  const count = async (g: number): Promise<number> => (await ours()).filter((item) => item.metadata.name.startsWith(`gen-${g}-`)).length;

  return {
    name: 'Kubernetes ConfigMaps',
    destination: `{ kubernetes: { kubeconfig: "${options.kubeconfig}", namespace: ${namespace} } }`,
    phases: ['apply', 'prune'],
    fetchDelayMs: 300,
    commit: (g) => ({
      'app/objects.yaml': [...objects(g)].map(([name, data]) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`).join(''),
    }),

    watchPhase(phase, from, to, stop): PhaseWindow {
      const began = phase === 'apply' ? until(async () => (await count(to)) > 0, stop) : until(async () => (await count(from)) < perGeneration, stop);
      return { began, maxDelayMs: phase === 'apply' ? 400 : 150 };
    },

    async landedIn(from, to) {
      const created = await count(to);
      const kept = await count(from);
      if (kept === perGeneration) return created === 0 ? 'before-apply' : created === perGeneration ? 'apply-done' : 'apply';
      return kept === 0 ? 'after-prune' : 'prune';
    },

    checkAfterKill: () => Promise.resolve([]), // a ConfigMap is written whole by the API server

    async checkConverged(state: ConvergedState) {
      const want = objects(state.generation);
      const violations: Violation[] = [];
      const live = new Map((await ours()).map((item) => [item.metadata.name, item]));
      for (const name of live.keys()) if (!want.has(name)) violations.push({ invariant: 'undeclared-object', detail: `ConfigMap/${name}` });
      for (const [name, data] of want) {
        const item = live.get(name);
        if (item === undefined) violations.push({ invariant: 'wrong-content', detail: `ConfigMap/${name} absent` });
        else if (JSON.stringify(item.data ?? {}) !== JSON.stringify(data)) violations.push({ invariant: 'wrong-content', detail: `ConfigMap/${name}: ${JSON.stringify(item.data)}` });
      }
      const inventory = await clusterInventory(credentials, namespace);
      for (const key of [...inventory, ...state.inventory]) {
        if (!live.has(key.name)) violations.push({ invariant: 'inventory-absent', detail: `${keyId(key)}${inventory.includes(key) ? ' (cluster inventory)' : ' (agent\'s copy)'}` });
      }
      for (const resource of state.status?.resources ?? []) {
        const present = live.has(resource.name);
        if (resource.health.status === 'Missing' && present) violations.push({ invariant: 'status-missing-but-exists', detail: `ConfigMap/${resource.name}` });
        if (resource.health.status === 'Healthy' && !present) violations.push({ invariant: 'status-healthy-but-absent', detail: `ConfigMap/${resource.name}` });
      }
      if (state.status?.health.status === 'Healthy') {
        for (const name of want.keys()) if (!live.has(name)) violations.push({ invariant: 'status-healthy-but-absent', detail: `application Healthy without ConfigMap/${name}` });
      }
      return violations;
    },
  };
}

async function clusterInventory(credentials: KubeCredentials, namespace: string): Promise<ObjectKey[]> {
  const map = await kubeCall(credentials, 'GET', `/api/v1/namespaces/${namespace}/configmaps/trueup-inventory-test`) as { data?: { objects?: string } };
  return (map.data?.objects ?? '').split('\n').filter((line) => line !== '').map(parseKeyId);
}
