import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthStatus, Manifest } from '@trueup/api';
import { healthOf } from './health.ts';
import { groupOf } from './kube-health.ts';
import { absent, liveOf } from './testing.ts';

type Obj = Record<string, unknown>;

interface Case {
  name: string;
  spec?: Obj;
  status?: Obj;
  metadata?: Obj;
  want: HealthStatus;
  /** The whole message, or a pattern it must match. */
  message?: string | RegExp;
}

/** A table per kind: each case is the object as the API server returns it. */
function table(apiVersion: string, kind: string, cases: Case[], base: { metadata?: Obj; spec?: Obj } = {}): void {
  for (const c of cases) {
    test(`${kind} health: ${c.name}`, () => {
      const manifest: Manifest = {
        apiVersion,
        kind,
        metadata: { name: 'web', namespace: 'shop', ...base.metadata, ...c.metadata },
        ...(c.spec ?? base.spec ? { spec: { ...base.spec, ...c.spec } } : {}),
        ...(c.status === undefined ? {} : { status: c.status }),
      };
      const health = healthOf(liveOf(manifest));
      assert.equal(health.status, c.want, `message: ${health.message ?? '(none)'}`);
      if (typeof c.message === 'string') assert.equal(health.message, c.message);
      else if (c.message !== undefined) assert.match(health.message ?? '', c.message);
    });
  }
}

const cond = (type: string, status: string, reason = '', message = '', extra: Obj = {}) => ({ type, status, reason, message, lastTransitionTime: '2025-03-01T10:00:00Z', ...extra });

table('apps/v1', 'Deployment', [
  {
    name: 'rolled out',
    status: { observedGeneration: 4, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: [cond('Available', 'True', 'MinimumReplicasAvailable'), cond('Progressing', 'True', 'NewReplicaSetAvailable')] },
    want: 'Healthy',
    message: '3 replicas available',
  },
  { name: 'spec not yet observed', status: { observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, want: 'Progressing', message: 'waiting for rollout to be observed' },
  { name: 'just created, no status', want: 'Progressing', message: 'waiting for rollout to be observed' },
  {
    name: 'new pods being created',
    status: { observedGeneration: 4, replicas: 4, updatedReplicas: 1, availableReplicas: 3, conditions: [cond('Progressing', 'True', 'ReplicaSetUpdated')] },
    want: 'Progressing',
    message: '1 of 3 replicas updated',
  },
  { name: 'old pods terminating', status: { observedGeneration: 4, replicas: 5, updatedReplicas: 3, availableReplicas: 3 }, want: 'Progressing', message: '2 old replicas pending termination' },
  { name: 'updated pods not yet available', status: { observedGeneration: 4, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }, want: 'Progressing', message: '2 of 3 updated replicas are available' },
  {
    name: 'progress deadline exceeded',
    status: {
      observedGeneration: 4, replicas: 4, updatedReplicas: 1, availableReplicas: 3,
      conditions: [cond('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-7d9c" has timed out progressing.')],
    },
    want: 'Degraded',
    message: 'progress deadline exceeded: ReplicaSet "web-7d9c" has timed out progressing.',
  },
  {
    name: 'pods forbidden by a quota',
    status: { observedGeneration: 4, replicas: 0, conditions: [cond('ReplicaFailure', 'True', 'FailedCreate', 'pods "web-7d9c-x" is forbidden: exceeded quota: compute')] },
    want: 'Degraded',
    message: /^FailedCreate: pods "web-7d9c-x" is forbidden: exceeded quota/,
  },
  { name: 'paused', spec: { replicas: 3, paused: true }, status: { observedGeneration: 4, replicas: 3, updatedReplicas: 1, availableReplicas: 3 }, want: 'Suspended', message: 'rollout paused' },
  { name: 'paused, but the pause not yet observed', spec: { replicas: 3, paused: true }, status: { observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, want: 'Progressing' },
  { name: 'scaled to zero', spec: { replicas: 0 }, status: { observedGeneration: 4 }, want: 'Healthy', message: '0 replicas available' },
  { name: 'being deleted', metadata: { deletionTimestamp: '2025-03-01T10:00:00Z', finalizers: ['foregroundDeletion'] }, status: { observedGeneration: 4, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, want: 'Progressing', message: 'being deleted, waiting for finalizers: foregroundDeletion' },
], { metadata: { generation: 4 }, spec: { replicas: 3 } });

table('apps/v1', 'StatefulSet', [
  {
    name: 'rolled out',
    status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'db-5c8f', updateRevision: 'db-5c8f' },
    want: 'Healthy',
    message: '3 pods ready',
  },
  { name: 'spec not yet observed', status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-5c8f', updateRevision: 'db-5c8f' }, want: 'Progressing', message: 'waiting for rollout to be observed' },
  { name: 'pods starting', status: { observedGeneration: 2, replicas: 2, readyReplicas: 1, currentRevision: 'db-5c8f', updateRevision: 'db-5c8f' }, want: 'Progressing', message: '1 of 3 pods ready' },
  {
    name: 'rolling update in progress',
    status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'db-5c8f', updateRevision: 'db-6a1b' },
    want: 'Progressing',
    message: '1 of 3 pods updated to revision db-6a1b',
  },
  {
    name: 'partitioned rollout done above the partition',
    spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
    status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'db-5c8f', updateRevision: 'db-6a1b' },
    want: 'Healthy',
  },
  {
    name: 'partitioned rollout still going',
    spec: { replicas: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
    status: { observedGeneration: 2, replicas: 5, readyReplicas: 5, updatedReplicas: 1, currentRevision: 'db-5c8f', updateRevision: 'db-6a1b' },
    want: 'Progressing',
    message: '1 of 3 pods above partition 2 updated',
  },
  {
    name: 'OnDelete: old revision stays until pods are deleted',
    spec: { replicas: 3, updateStrategy: { type: 'OnDelete' } },
    status: { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 0, currentRevision: 'db-5c8f', updateRevision: 'db-6a1b' },
    want: 'Healthy',
  },
  {
    name: 'OnDelete but pods not ready',
    spec: { replicas: 3, updateStrategy: { type: 'OnDelete' } },
    status: { observedGeneration: 2, replicas: 3, readyReplicas: 2, currentRevision: 'db-5c8f', updateRevision: 'db-5c8f' },
    want: 'Progressing',
  },
  { name: 'scaled down, extra pod terminating', status: { observedGeneration: 2, replicas: 4, readyReplicas: 4, updatedReplicas: 4, currentRevision: 'db-5c8f', updateRevision: 'db-5c8f' }, want: 'Progressing', message: '1 extra pod pending termination' },
], { metadata: { generation: 2 }, spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } } });

table('apps/v1', 'DaemonSet', [
  {
    name: 'rolled out on every node',
    status: { observedGeneration: 3, desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4, numberReady: 4, numberAvailable: 4 },
    want: 'Healthy',
    message: '4 pods available',
  },
  { name: 'spec not yet observed', status: { observedGeneration: 2, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4 }, want: 'Progressing', message: 'waiting for rollout to be observed' },
  { name: 'rolling out', status: { observedGeneration: 3, desiredNumberScheduled: 4, updatedNumberScheduled: 2, numberAvailable: 4 }, want: 'Progressing', message: '2 of 4 pods updated' },
  { name: 'updated pods not available', status: { observedGeneration: 3, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 3, numberUnavailable: 1 }, want: 'Progressing', message: '3 of 4 pods available' },
  {
    name: 'OnDelete: not updated is fine',
    spec: { updateStrategy: { type: 'OnDelete' } },
    status: { observedGeneration: 3, desiredNumberScheduled: 4, updatedNumberScheduled: 1, numberAvailable: 4 },
    want: 'Healthy',
  },
  {
    name: 'OnDelete but pods unavailable',
    spec: { updateStrategy: { type: 'OnDelete' } },
    status: { observedGeneration: 3, desiredNumberScheduled: 4, updatedNumberScheduled: 1, numberAvailable: 2 },
    want: 'Progressing',
  },
  { name: 'no matching nodes', status: { observedGeneration: 3, desiredNumberScheduled: 0, currentNumberScheduled: 0, numberReady: 0 }, want: 'Healthy' },
], { metadata: { generation: 3 }, spec: { updateStrategy: { type: 'RollingUpdate' } } });

table('apps/v1', 'ReplicaSet', [
  { name: 'all available', status: { observedGeneration: 1, replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, want: 'Healthy', message: '2 replicas available' },
  { name: 'spec not yet observed', metadata: { generation: 2 }, status: { observedGeneration: 1, replicas: 2, availableReplicas: 2 }, want: 'Progressing' },
  { name: 'pods starting', status: { observedGeneration: 1, replicas: 2, availableReplicas: 1 }, want: 'Progressing', message: '1 of 2 replicas available' },
  {
    name: 'cannot create pods',
    status: { observedGeneration: 1, replicas: 0, conditions: [cond('ReplicaFailure', 'True', 'FailedCreate', 'pods "web-x" is forbidden: error looking up service account shop/web: serviceaccount "web" not found')] },
    want: 'Degraded',
    message: /^FailedCreate: .*serviceaccount "web" not found$/,
  },
], { metadata: { generation: 1 }, spec: { replicas: 2 } });

table('batch/v1', 'Job', [
  {
    name: 'complete',
    status: { succeeded: 1, completionTime: '2025-03-01T10:02:00Z', conditions: [cond('SuccessCriteriaMet', 'True', 'CompletionsReached'), cond('Complete', 'True', 'CompletionsReached')] },
    want: 'Healthy',
    message: 'completed, 1 succeeded',
  },
  { name: 'running', status: { active: 1, startTime: '2025-03-01T10:00:00Z' }, want: 'Progressing', message: 'running: 1 active, 0 of 1 succeeded' },
  { name: 'retrying after a failed pod', status: { active: 1, failed: 2 }, want: 'Progressing', message: 'running: 1 active, 0 of 1 succeeded, 2 failed' },
  {
    name: 'backoff limit reached',
    status: { failed: 7, conditions: [cond('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'), cond('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] },
    want: 'Degraded',
    message: 'BackoffLimitExceeded: Job has reached the specified backoff limit',
  },
  { name: 'deadline exceeded, pods still terminating', status: { active: 1, conditions: [cond('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline')] }, want: 'Degraded', message: /^DeadlineExceeded/ },
  { name: 'suspended', spec: { suspend: true }, status: { conditions: [cond('Suspended', 'True', 'JobSuspended', 'Job suspended')] }, want: 'Suspended' },
  { name: 'resumed', spec: { suspend: false }, status: { active: 1, conditions: [cond('Suspended', 'False', 'JobResumed', 'Job resumed')] }, want: 'Progressing' },
  { name: 'just created', want: 'Progressing' },
], { metadata: { generation: 1 }, spec: { completions: 1, backoffLimit: 6 } });

table('batch/v1', 'CronJob', [
  { name: 'last run succeeded', status: { lastScheduleTime: '2025-03-01T10:00:00Z', lastSuccessfulTime: '2025-03-01T10:00:42Z' }, want: 'Healthy', message: 'last run succeeded at 2025-03-01T10:00:42Z' },
  { name: 'never scheduled', status: {}, want: 'Healthy', message: 'not run yet' },
  { name: 'a run is active', status: { lastScheduleTime: '2025-03-01T11:00:00Z', lastSuccessfulTime: '2025-03-01T10:00:42Z', active: [{ kind: 'Job', name: 'backup-29012345', namespace: 'shop' }] }, want: 'Healthy', message: '1 run active' },
  {
    name: 'last run failed',
    status: { lastScheduleTime: '2025-03-01T11:00:00Z', lastSuccessfulTime: '2025-03-01T10:00:42Z' },
    want: 'Degraded',
    message: 'last run (scheduled at 2025-03-01T11:00:00Z) did not succeed; last success at 2025-03-01T10:00:42Z',
  },
  { name: 'never succeeded', status: { lastScheduleTime: '2025-03-01T11:00:00Z' }, want: 'Degraded', message: /^no successful run/ },
  { name: 'suspended', spec: { schedule: '0 * * * *', suspend: true }, status: { lastScheduleTime: '2025-03-01T11:00:00Z' }, want: 'Suspended' },
], { metadata: { generation: 1 }, spec: { schedule: '0 * * * *', suspend: false } });

const running = (name: string, ready: boolean, extra: Obj = {}) => ({ name, ready, started: true, restartCount: 0, image: 'nginx:1.27', state: { running: { startedAt: '2025-03-01T10:00:00Z' } }, ...extra });
const waiting = (name: string, reason: string, message = '', extra: Obj = {}) => ({ name, ready: false, restartCount: 0, image: 'nginx:1.27', state: { waiting: { reason, message } }, ...extra });

table('v1', 'Pod', [
  {
    name: 'running and ready',
    status: { phase: 'Running', conditions: [cond('PodScheduled', 'True'), cond('ContainersReady', 'True'), cond('Ready', 'True')], containerStatuses: [running('app', true), running('proxy', true)] },
    want: 'Healthy',
  },
  {
    name: 'running, a container not ready yet',
    status: { phase: 'Running', conditions: [cond('Ready', 'False', 'ContainersNotReady', 'containers with unready status: [proxy]')], containerStatuses: [running('app', true), running('proxy', false)] },
    want: 'Progressing',
    message: 'waiting for containers to be ready: proxy',
  },
  {
    name: 'crash-looping',
    status: {
      phase: 'Running',
      conditions: [cond('Ready', 'False', 'ContainersNotReady')],
      containerStatuses: [waiting('app', 'CrashLoopBackOff', 'back-off 40s restarting failed container=app pod=web', { restartCount: 3, lastState: { terminated: { exitCode: 1, reason: 'Error' } } })],
    },
    want: 'Degraded',
    message: 'container app: CrashLoopBackOff: back-off 40s restarting failed container=app pod=web',
  },
  {
    name: 'image cannot be pulled',
    status: { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff', 'Back-off pulling image "registry.local/web:v9"')] },
    want: 'Degraded',
    message: 'container app: ImagePullBackOff: Back-off pulling image "registry.local/web:v9"',
  },
  { name: 'image pull error', status: { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull', 'manifest unknown')] }, want: 'Degraded', message: /^container app: ErrImagePull/ },
  { name: 'missing ConfigMap', status: { phase: 'Pending', containerStatuses: [waiting('app', 'CreateContainerConfigError', 'configmap "web-env" not found')] }, want: 'Degraded', message: 'container app: CreateContainerConfigError: configmap "web-env" not found' },
  { name: 'init container crash-looping', status: { phase: 'Pending', initContainerStatuses: [waiting('migrate', 'CrashLoopBackOff')], containerStatuses: [waiting('app', 'PodInitializing')] }, want: 'Degraded', message: /^container migrate: CrashLoopBackOff/ },
  {
    name: 'run-once pod with a bad image waits instead',
    spec: { restartPolicy: 'Never' },
    status: { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] },
    want: 'Progressing',
  },
  { name: 'creating containers', status: { phase: 'Pending', conditions: [cond('PodScheduled', 'True')], containerStatuses: [waiting('app', 'ContainerCreating')] }, want: 'Progressing', message: 'container app: ContainerCreating' },
  {
    name: 'unschedulable',
    status: { phase: 'Pending', conditions: [cond('PodScheduled', 'False', 'Unschedulable', '0/3 nodes are available: 3 Insufficient cpu.')] },
    want: 'Progressing',
    message: 'Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.',
  },
  {
    name: 'restarted and not ready again',
    status: { phase: 'Running', conditions: [cond('Ready', 'False')], containerStatuses: [running('app', false, { restartCount: 2, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } })] },
    want: 'Degraded',
    message: 'container app restarted 2 times, last exit code 137 (OOMKilled)',
  },
  { name: 'completed', spec: { restartPolicy: 'Never' }, status: { phase: 'Succeeded', containerStatuses: [] }, want: 'Healthy' },
  { name: 'run-once pod still running', spec: { restartPolicy: 'OnFailure' }, status: { phase: 'Running', conditions: [cond('Ready', 'True')], containerStatuses: [running('app', true)] }, want: 'Progressing' },
  {
    name: 'failed',
    spec: { restartPolicy: 'Never' },
    status: { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }] },
    want: 'Degraded',
    message: 'container app exited with code 2',
  },
  { name: 'evicted', status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }, want: 'Degraded', message: 'Evicted: The node was low on resource: memory.' },
  { name: 'node lost', status: { phase: 'Unknown' }, want: 'Unknown' },
], { spec: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'nginx:1.27' }] } });

table('v1', 'PersistentVolumeClaim', [
  { name: 'bound', spec: { volumeName: 'pvc-1f2e' }, status: { phase: 'Bound', capacity: { storage: '10Gi' } }, want: 'Healthy', message: 'bound to pvc-1f2e' },
  { name: 'waiting for a volume', status: { phase: 'Pending' }, want: 'Progressing', message: 'waiting for a volume' },
  { name: 'waiting on the consumer node', metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-2' } }, status: { phase: 'Pending' }, want: 'Progressing', message: 'waiting for a volume on node node-2' },
  { name: 'lost', status: { phase: 'Lost' }, want: 'Degraded' },
  { name: 'resizing', spec: { volumeName: 'pvc-1f2e' }, status: { phase: 'Bound', conditions: [cond('Resizing', 'True')] }, want: 'Progressing' },
], { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } });

table('v1', 'Service', [
  { name: 'ClusterIP', spec: { type: 'ClusterIP', clusterIP: '10.96.0.12' }, status: { loadBalancer: {} }, want: 'Healthy' },
  { name: 'LoadBalancer with an address', spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7', ipMode: 'VIP' }] } }, want: 'Healthy', message: 'load balancer at 203.0.113.7' },
  { name: 'LoadBalancer waiting for an address', spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} }, want: 'Progressing', message: 'waiting for a load balancer address' },
]);

table('networking.k8s.io/v1', 'Ingress', [
  { name: 'has an address', status: { loadBalancer: { ingress: [{ hostname: 'lb-1234.example.net' }] } }, want: 'Healthy', message: 'serving at lb-1234.example.net' },
  { name: 'no address yet', status: { loadBalancer: {} }, want: 'Progressing' },
], { metadata: { generation: 1 }, spec: { ingressClassName: 'nginx' } });

table('apiregistration.k8s.io/v1', 'APIService', [
  { name: 'available', status: { conditions: [cond('Available', 'True', 'Passed', 'all checks passed')] }, want: 'Healthy', message: 'Passed: all checks passed' },
  { name: 'backend starting', status: { conditions: [cond('Available', 'False', 'MissingEndpoints', 'endpoints for service/metrics-server in "kube-system" have no addresses')] }, want: 'Progressing', message: /^MissingEndpoints: / },
  { name: 'discovery failing', status: { conditions: [cond('Available', 'False', 'FailedDiscoveryCheck', 'failing or missing response from https://10.96.0.9:443')] }, want: 'Progressing' },
  { name: 'wrong port', status: { conditions: [cond('Available', 'False', 'ServicePortError', 'service/metrics-server in "kube-system" is not listening on port 443')] }, want: 'Degraded' },
  { name: 'not checked yet', status: {}, want: 'Progressing' },
], { metadata: { namespace: undefined }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'kube-system' } } });

table('apiextensions.k8s.io/v1', 'CustomResourceDefinition', [
  { name: 'established', status: { conditions: [cond('NamesAccepted', 'True', 'NoConflicts'), cond('Established', 'True', 'InitialNamesAccepted')] }, want: 'Healthy' },
  { name: 'installing', status: { conditions: [cond('NamesAccepted', 'True', 'NoConflicts'), cond('Established', 'False', 'Installing', 'the initial names have been accepted')] }, want: 'Progressing' },
  { name: 'no conditions yet', status: {}, want: 'Progressing' },
  { name: 'names conflict', status: { conditions: [cond('NamesAccepted', 'False', 'MultipleConflicts', '"widgets" is already in use'), cond('Established', 'False', 'NotAccepted')] }, want: 'Degraded', message: 'names not accepted: "widgets" is already in use' },
  { name: 'being deleted', status: { conditions: [cond('Established', 'True'), cond('Terminating', 'True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress')] }, want: 'Progressing' },
], { metadata: { name: 'widgets.example.com', namespace: undefined, generation: 1 }, spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced' } });

const hpaHealthy = [cond('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size'), cond('ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization'), cond('ScalingLimited', 'False', 'DesiredWithinRange')];
table('autoscaling/v2', 'HorizontalPodAutoscaler', [
  { name: 'scaling', status: { observedGeneration: 1, currentReplicas: 2, desiredReplicas: 2, conditions: hpaHealthy }, want: 'Healthy', message: '2 replicas' },
  { name: 'at its minimum', status: { observedGeneration: 1, currentReplicas: 1, desiredReplicas: 1, conditions: [...hpaHealthy.slice(0, 2), cond('ScalingLimited', 'True', 'TooFewReplicas')] }, want: 'Healthy' },
  { name: 'spec not yet observed', metadata: { generation: 2 }, status: { observedGeneration: 1, currentReplicas: 2, desiredReplicas: 2, conditions: hpaHealthy }, want: 'Progressing' },
  { name: 'no decision yet', status: { currentReplicas: 0, desiredReplicas: 0 }, want: 'Progressing' },
  {
    name: 'metrics unavailable',
    status: {
      observedGeneration: 1,
      currentReplicas: 2,
      desiredReplicas: 2,
      conditions: [cond('AbleToScale', 'True', 'SucceededGetScale'), cond('ScalingActive', 'False', 'FailedGetResourceMetric', 'the HPA was unable to compute the replica count: failed to get cpu utilization:\nunable to get metrics for resource cpu')],
    },
    want: 'Degraded',
    message: 'FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu',
  },
  { name: 'target missing', status: { observedGeneration: 1, conditions: [cond('AbleToScale', 'False', 'FailedGetScale', 'deployments/scale.apps "web" not found')] }, want: 'Degraded' },
  { name: 'target scaled to zero', status: { observedGeneration: 1, conditions: [cond('AbleToScale', 'True', 'SucceededGetScale'), cond('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero')] }, want: 'Suspended' },
], { metadata: { generation: 1 }, spec: { minReplicas: 1, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } });

table('autoscaling/v1', 'HorizontalPodAutoscaler', [
  {
    name: 'conditions from the annotation',
    metadata: { annotations: { 'autoscaling.alpha.kubernetes.io/conditions': JSON.stringify([cond('AbleToScale', 'True', 'SucceededGetScale'), cond('ScalingActive', 'False', 'FailedGetResourceMetric', 'missing request for cpu')]) } },
    status: { currentReplicas: 1, desiredReplicas: 1 },
    want: 'Degraded',
    message: 'FailedGetResourceMetric: missing request for cpu',
  },
  { name: 'unreadable annotation', metadata: { annotations: { 'autoscaling.alpha.kubernetes.io/conditions': '[{' } }, status: { currentReplicas: 1 }, want: 'Progressing' },
], { spec: { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 } });

table('v1', 'Namespace', [
  { name: 'active', status: { phase: 'Active' }, want: 'Healthy' },
  {
    name: 'terminating on a finalizer',
    metadata: { deletionTimestamp: '2025-03-01T10:00:00Z' },
    status: { phase: 'Terminating', conditions: [cond('NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: configmaps. has 1 resource instances'), cond('NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances')] },
    want: 'Progressing',
    message: 'terminating: Some resources are remaining: configmaps. has 1 resource instances',
  },
], { metadata: { name: 'shop', namespace: undefined } });

table('example.com/v1', 'Widget', [
  { name: 'no status: exists, so Healthy', want: 'Healthy' },
  { name: 'Ready', metadata: { generation: 3 }, status: { observedGeneration: 3, conditions: [cond('Ready', 'True', 'Succeeded', 'Applied revision main@sha1:4e1f')] }, want: 'Healthy', message: 'Applied revision main@sha1:4e1f' },
  { name: 'status about an older generation', metadata: { generation: 3 }, status: { observedGeneration: 2, conditions: [cond('Ready', 'True')] }, want: 'Progressing', message: 'waiting for generation 3 to be observed' },
  { name: 'Ready condition about an older generation', metadata: { generation: 3 }, status: { conditions: [cond('Ready', 'True', 'Succeeded', '', { observedGeneration: 2 })] }, want: 'Progressing' },
  { name: 'Ready condition about this generation', metadata: { generation: 3 }, status: { conditions: [cond('Ready', 'True', 'Succeeded', '', { observedGeneration: 3 })] }, want: 'Healthy' },
  { name: 'Reconciling', metadata: { generation: 3 }, status: { observedGeneration: 3, conditions: [cond('Reconciling', 'True', 'Progressing', 'building artifact'), cond('Ready', 'Unknown')] }, want: 'Progressing', message: 'Progressing: building artifact' },
  { name: 'Stalled', metadata: { generation: 3 }, status: { observedGeneration: 3, conditions: [cond('Stalled', 'True', 'InvalidPath', 'path "./deploy" not found'), cond('Ready', 'False')] }, want: 'Degraded', message: 'InvalidPath: path "./deploy" not found' },
  { name: 'a stale Stalled does not count', metadata: { generation: 4 }, status: { conditions: [cond('Stalled', 'True', 'InvalidPath', '', { observedGeneration: 3 })] }, want: 'Progressing' },
  { name: 'Ready False', metadata: { generation: 3 }, status: { observedGeneration: 3, conditions: [cond('Ready', 'False', 'BuildFailed', 'kustomize build failed')] }, want: 'Degraded' },
  { name: 'Ready Unknown', metadata: { generation: 3 }, status: { observedGeneration: 3, conditions: [cond('Ready', 'Unknown', 'Progressing', 'reconciliation in progress')] }, want: 'Progressing' },
  { name: 'a leftover Reconciling False is ignored', metadata: { generation: 3 }, status: { conditions: [cond('Reconciling', 'False', '', '', { observedGeneration: 1 }), cond('Ready', 'True', '', '', { observedGeneration: 3 })] }, want: 'Healthy' },
  { name: 'being deleted', metadata: { deletionTimestamp: '2025-03-01T10:00:00Z', finalizers: ['example.com/cleanup'] }, status: { conditions: [cond('Ready', 'True')] }, want: 'Progressing', message: 'being deleted, waiting for finalizers: example.com/cleanup' },
]);

table('v1', 'ConfigMap', [{ name: 'exists', want: 'Healthy' }], { metadata: { generation: undefined } });

test('Kubernetes status may come apart from the manifest; the manifest wins', () => {
  const manifest: Manifest = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
  assert.equal(healthOf(liveOf(manifest, { conditions: [cond('Ready', 'False')] })).status, 'Degraded');
  const withStatus = { ...manifest, status: { conditions: [cond('Ready', 'True')] } };
  assert.equal(healthOf(liveOf(withStatus, { conditions: [cond('Ready', 'False')] })).status, 'Healthy');
});

test('an absent Kubernetes object is Missing', () => {
  assert.equal(healthOf(absent({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } })).status, 'Missing');
});

test('long, multi-line controller messages become one bounded line', () => {
  const message = `line one\n${'x'.repeat(400)}`;
  const health = healthOf(liveOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, status: { conditions: [cond('Ready', 'False', '', message)] } }));
  assert.ok(health.message !== undefined && health.message.length <= 240 && !health.message.includes('\n'), health.message);
});

test('a host kind named like a Kubernetes kind keeps its host check', () => {
  const hostService: Manifest = { apiVersion: 'host.trueup.dev/v1alpha1', kind: 'Service', metadata: { name: 'web' }, spec: { command: 'true' } };
  assert.equal(healthOf(liveOf(hostService, { phase: 'stopped' })).status, 'Suspended');
});

test('API group of an apiVersion', () => {
  for (const [apiVersion, group] of [['v1', ''], ['apps/v1', 'apps'], ['networking.k8s.io/v1', 'networking.k8s.io']] as const) assert.equal(groupOf(apiVersion), group);
});
