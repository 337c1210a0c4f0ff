/**
 * A hand-off setting for tests and benchmarks: a config repository on a Git smart-HTTP server, a
 * real hub, and one agent per environment joined to it, each following `envs/<env>` of the
 * repository (a host root in a temporary folder, or a destination given).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '@trueup/agent';
import { Auth, HubClient, type HubOptions } from '@trueup/hub';
import { createServedRepo, createWorkRepo, type WorkRepo } from './git-repo.ts';
import { startGitHttpServer } from './git-server.ts';
import { startTestHub, type TestHub } from './hub.ts';

export interface HandoffEnv {
  dir: string;
  repoURL: string;
  /** The bare repository the server serves. */
  bare: string;
  work: WorkRepo;
  testHub: TestHub;
  /** Host roots by environment (host destinations only). */
  roots: Record<string, string>;
  operator: HubClient;
  viewer: HubClient;
  agents: Agent[];
  /** Writes files, commits and pushes; returns the commit. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface HandoffEnvOptions {
  /** The repository's first commit, given its URL. */
  files: (repoURL: string) => Record<string, string>;
  environments: readonly string[];
  /** The application's name in every environment; default web. */
  application?: string;
  /** Flow YAML of the destination; default a host root in the folder. */
  destination?: (environment: string, root: string) => string;
  hub?: Partial<HubOptions>;
}

export async function startHandoffEnv(options: HandoffEnvOptions): Promise<HandoffEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-handoff-'));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
  try {
    const served = join(dir, 'served');
    const bare = await createServedRepo(served, 'config.git');
    const server = await startGitHttpServer({ root: served });
    stops.push(() => server.close());
    const repoURL = server.url('config.git');
    const work = await createWorkRepo(join(dir, 'work'));
    const commit = async (files: Record<string, string | null>, message = 'change'): Promise<string> => {
      await work.write(files);
      const sha = await work.commit(message);
      await work.git('push', '--quiet', '--force', bare, 'HEAD:main');
      return sha;
    };
    await commit(options.files(repoURL), 'config');
    const testHub = await startTestHub(options.hub === undefined ? {} : { hub: options.hub });
    stops.push(() => testHub.stop());
    const agents: Agent[] = [];
    stops.push(async () => {
      for (const agent of agents) await agent.stop({ stopServices: true });
    });
    const roots: Record<string, string> = {};
    const name = options.application ?? 'web';
    for (const env of options.environments) {
      const root = join(dir, `root-${env}`);
      roots[env] = root;
      const appFile = join(dir, `${env}.yaml`);
      await writeFile(appFile, `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { repoURL: "${repoURL}", ref: main, path: envs/${env} }
  destination: ${options.destination?.(env, root) ?? `{ host: { root: "${root}" } }`}
  syncPolicy:
    interval: 1h
    automated: { prune: true, selfHeal: true }
    retry: { limit: 1, backoff: { duration: 100ms, maxDuration: 200ms } }
`);
      const tokenFile = join(dir, `${env}.join`);
      await writeFile(tokenFile, (await testHub.client.post<{ token: string }>('/api/v1/join-tokens', { name: env, labels: {} })).token, { mode: 0o600 });
      agents.push(await startAgent({ stateDir: join(dir, `state-${env}`), paths: [appFile], hub: { joinTokenFile: tokenFile } }));
    }
    const auth = new Auth(testHub.hub.store, Date.now);
    const client = async (name: string, role: 'operator' | 'viewer'): Promise<HubClient> => new HubClient({ url: testHub.hub.url, token: await auth.createToken(name, role), ca: testHub.hub.tls.ca });
    return { dir, repoURL, bare, work, testHub, roots, operator: await client('olga', 'operator'), viewer: await client('vic', 'viewer'), agents, commit, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { eventually } from './eventually.ts';

export { promotionManifest, releaseAndSettle, trackPromotions, versionPromotion, webDeployment, WEB_IMAGE_KEY, type SettledRelease } from './promotion-fixtures.ts';
