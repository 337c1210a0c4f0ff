/** Kubernetes manifests tests deploy. */

/**
 * A Deployment of one replica, its pods labelled `app: NAME`, one container NAME running
 * `image`; `podSpec` lines (YAML flow, such as `nodeSelector: { zone: a }`) are added to the
 * pod's spec.
 */
export function deploymentManifest(options: { name?: string; image: string; podSpec?: string[] }): string {
  const name = options.name ?? 'web';
  return `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
${(options.podSpec ?? []).map((line) => `      ${line}\n`).join('')}      containers: [{ name: ${name}, image: ${options.image} }]
`;
}

/** The toleration that lets a pod onto the test env's simulated (kwok) nodes. */
export const KWOK_TOLERATION = 'tolerations: [{ key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule }]';
