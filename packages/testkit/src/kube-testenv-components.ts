/**
 * Command lines of the test environment's components, all on 127.0.0.1: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok (the fake kubelet), and the fake Node kwok
 * keeps Ready so that Deployments, StatefulSets and Jobs really progress.
 */
import { join } from 'node:path';
import type { PkiFiles } from './kube-testenv-pki.ts';

/** Service IPs; pods get fake IPs from POD_CIDR. Nothing ever dials them. */
export const SERVICE_CIDR = '10.0.0.0/24';
export const POD_CIDR = '10.244.0.0/16';
export const FAKE_NODE_NAME = 'trueup-fake-node';
const FAKE_NODE_IP = '10.244.0.1';
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

export function etcdArgs(o: { dataDir: string; clientPort: number; peerPort: number }): string[] {
  const client = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    '--name=trueup-testenv',
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=trueup-testenv=${peer}`,
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=2147483648',
    '--log-level=warn',
  ];
}

export function apiserverArgs(o: { etcdPort: number; port: number; certDir: string; pki: PkiFiles }): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${o.etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${o.port}`,
    // No certificate given: the server signs its own into cert-dir (apiserver.crt = leaf + CA).
    `--cert-dir=${o.certDir}`,
    `--token-auth-file=${o.pki.tokensFile}`,
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    // A loopback address is not a valid Endpoints IP; the `kubernetes` Service exists anyway.
    '--endpoint-reconciler-type=none',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${o.pki.saPub}`,
    `--service-account-signing-key-file=${o.pki.saKey}`,
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

export function controllerManagerArgs(o: { kubeconfig: string; pki: PkiFiles }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    '--bind-address=127.0.0.1',
    '--controllers=*',
    `--service-account-private-key-file=${o.pki.saKey}`,
    `--root-ca-file=${o.pki.caFile}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--kube-api-qps=100',
    '--kube-api-burst=200',
    '--profiling=false',
    '--v=1',
  ];
}

export function schedulerArgs(o: { kubeconfig: string }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    '--leader-elect=false',
    // No health or metrics endpoint needed: readiness shows as pods getting bound.
    '--secure-port=0',
    '--profiling=false',
    '--v=1',
  ];
}

export function kwokArgs(o: { kubeconfig: string; stages: string }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--config=${o.stages}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
    `--cidr=${POD_CIDR}`,
    `--node-ip=${FAKE_NODE_IP}`,
    '--node-lease-duration-seconds=40',
  ];
}

/** The Stage objects next to the bin folder (written by build.sh). */
export function kwokStagesFile(binDir: string): string {
  return join(binDir, '..', 'kwok-stages.yaml');
}

/** A Node that kwok manages: generous capacity, no taints. */
export function fakeNode(name = FAKE_NODE_NAME): Record<string, unknown> {
  const resources = { cpu: '64', memory: '256Gi', pods: '1000', 'ephemeral-storage': '1Ti' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: { allocatable: resources, capacity: resources },
  };
}

/** True when a Node object reports condition Ready=True. */
export function nodeIsReady(node: unknown): boolean {
  const conditions = (node as { status?: { conditions?: { type?: string; status?: string }[] } } | undefined)?.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
