/**
 * Promotions in a hand-off setting (handoff-env.ts), for tests and benchmarks: the Promotion
 * file, the Deployment whose image a promotion sets, and the steps from "agents up" to "release
 * settled".
 */
import type { ReleaseView } from '@trueup/api';
import { eventually, type HandoffEnv } from './handoff-env.ts';

/** `.trueup/promotions/<name>.yml` of the config repository: `spec` holds what follows `repo:`, indented two spaces. */
export function promotionManifest(repoURL: string, spec: string, name = 'web'): string {
  return `apiVersion: trueup.dev/v1alpha1
kind: Promotion
metadata: { name: ${name} }
spec:
  repo: ${repoURL}
${spec}`;
}

/**
 * A Promotion `web` of one value, `version`, set at `key` of `envs/STAGE/app.yaml` for each
 * stage in order (its application `STAGE/web`); the stages in `approved` wait for one operator's
 * approval.
 */
export function versionPromotion(repoURL: string, key: string, stages: readonly string[], approved: readonly string[] = []): string {
  const stageLines = stages.map((stage) => `    - name: ${stage}
      application: ${stage}/web
      set: [{ file: envs/${stage}/app.yaml, key: ${key}, value: version }]
${approved.includes(stage) ? '      gates:\n        approvals: { count: 1, role: operator }\n' : ''}`);
  return promotionManifest(repoURL, `  values:\n    - name: version\n  stages:\n${stageLines.join('')}`);
}

/** The key of the `web` container's image in `webDeployment`: what a stage sets. */
export const WEB_IMAGE_KEY = 'spec.template.spec.containers[name=web].image';

/** A Deployment `web` of 2 replicas running `image`, marked (a comment) as set by promotion. */
export function webDeployment(image: string): string {
  return `# web: its image is set by promotion
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}   # promoted
          ports: [{ containerPort: 8080 }]
`;
}

/**
 * Waits until the hub hears `healthy` applications report Healthy (every agent up and synced),
 * then adds the config repository as a source of promotions.
 */
export async function trackPromotions(env: HandoffEnv, healthy: number, timeoutMs = 60_000): Promise<void> {
  const { client } = env.testHub;
  await eventually(`${healthy} application(s) reported Healthy`, async () => ((await client.get<{ total: number }>('/api/v1/applications?health=Healthy')).total === healthy ? true : undefined), timeoutMs);
  await env.operator.post('/api/v1/promotions/sources', { repoURL: env.repoURL });
}

export interface SettledRelease {
  release: ReleaseView;
  /** The release's first stage as last read: healthy, failed, or still on its way after `giveUpMs`. */
  stage: ReleaseView['stages'][number] | undefined;
}

/** Makes a release of `promotion` with `values` and reads it every `pollMs` until its first stage is healthy or failed. */
export async function releaseAndSettle(env: HandoffEnv, promotion: string, values: Record<string, string>, pollMs: number, giveUpMs: number): Promise<SettledRelease> {
  const started = performance.now();
  const { release } = await env.operator.post<{ release: ReleaseView }>('/api/v1/releases', { promotion, values });
  let stage: ReleaseView['stages'][number] | undefined;
  do {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    stage = (await env.testHub.client.get<ReleaseView>(`/api/v1/releases/${release.id}`)).stages[0];
  } while (stage?.state !== 'healthy' && stage?.state !== 'failed' && performance.now() - started < giveUpMs);
  return { release, stage };
}

