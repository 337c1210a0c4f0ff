/**
 * A Flux fleet repository for tests: a served bare repository (file://) and a work tree that
 * pushes to it, with the manifests Flux's bootstrap writes (a GitRepository `flux-system` and
 * Kustomizations that take their source from it).
 */
import { join } from 'node:path';
import { createServedRepo, createWorkRepo, type WorkRepo } from './git-repo.ts';

/** A Kustomization in `namespace` of the `flux-system` GitRepository; `spec` holds the rest of its spec, indented. */
export function fluxKustomization(namespace: string, name: string, spec: string): string {
  return `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  interval: 10m
  sourceRef: { kind: GitRepository, name: flux-system }
${spec}`;
}

/** The GitRepository `flux-system` in `namespace`, tracking `main` of `url`. */
export function fluxGitRepository(namespace: string, url: string): string {
  return `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: flux-system, namespace: ${namespace} }
spec: { interval: 1m, ref: { branch: main }, url: ${url} }
`;
}

/**
 * `clusters/prod/flux-system/gotk-sync.yaml` as bootstrap writes it: the GitRepository and the
 * Kustomization `flux-system` that applies (and prunes) `./clusters/prod`.
 */
export function fluxBootstrap(namespace: string, url: string): Record<string, string> {
  return { 'clusters/prod/flux-system/gotk-sync.yaml': `${fluxGitRepository(namespace, url)}${fluxKustomization(namespace, 'flux-system', '  path: ./clusters/prod\n  prune: true\n')}` };
}

export interface FleetRepo {
  /** The bare repository Flux's GitRepository points at. */
  bare: string;
  /** `file://` URL of `bare`. */
  url: string;
  work: WorkRepo;
  /** Writes (null: removes) files, commits them and pushes to `bare`. */
  push: (files: Record<string, string | null>, message: string) => Promise<void>;
}

/** A fleet repository under `dir` (`dir/repos/fleet.git`, worked on in `dir/work`); nothing pushed yet. */
export async function createFleetRepo(dir: string): Promise<FleetRepo> {
  const bare = await createServedRepo(join(dir, 'repos'), 'fleet.git');
  const work = await createWorkRepo(join(dir, 'work'));
  const push = async (files: Record<string, string | null>, message: string): Promise<void> => {
    await work.write(files);
    await work.commit(message);
    await work.git('push', '--quiet', bare, 'main');
  };
  return { bare, url: `file://${bare}`, work, push };
}
