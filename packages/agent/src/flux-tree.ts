/**
 * Flux trees: `GitRepository` and `Kustomization` objects become applications (in the folder
 * given to the agent, and in what each Kustomization renders, as app of apps), Flux's own
 * controllers (`gotk-components.yaml`) are recognised and not applied, and Flux kinds Trueup does
 * not read yet are refused where they are declared.
 *
 * A GitRepository's `secretRef` names files, not a Secret in the cluster: the keys of Flux's
 * Secret (`username`, `password`, `bearerToken`, `identity`, `known_hosts`) as files in
 * `<state-dir>/flux-secrets/<namespace>/<name>/`, a folder only the agent's owner writes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fluxKey, type Application, type FluxGitRepository, type FluxHelmRepository, type Manifest, type RepoCredentials } from '@trueup/api';
import { AgentErrors } from './errors.ts';

export const FLUX_SECRETS_FOLDER = 'flux-secrets';

/** Flux's controllers and CRDs, as `flux install` writes them. */
export function isFluxController(manifest: Manifest): boolean {
  if (manifest.metadata.labels?.['app.kubernetes.io/part-of'] === 'flux') return true;
  return manifest.kind === 'CustomResourceDefinition' && manifest.metadata.name.endsWith('.toolkit.fluxcd.io');
}

/** What the agent knows of Flux for an application: the sources it may name, where their credentials are. */
export interface FluxContext {
  sources: Map<string, FluxGitRepository>;
  helmSources: Map<string, FluxHelmRepository>;
  secretsDir: string;
}

/** A Flux source with credentials: a GitRepository or a HelmRepository. */
type WithSecret = { kind: string; metadata: { name: string; namespace?: string | undefined }; spec: { secretRef?: { name: string } | undefined } };

/** The credentials of a GitRepository's `secretRef`, as files; an error naming the folder when it is missing. */
export function fluxCredentials(source: WithSecret, secretsDir: string): RepoCredentials | undefined {
  const secret = source.spec.secretRef;
  if (secret === undefined) return undefined;
  const dir = join(secretsDir, source.metadata.namespace ?? 'flux-system', secret.name);
  const file = (key: string): string | undefined => (existsSync(join(dir, key)) ? join(dir, key) : undefined);
  const identity = file('identity');
  const password = file('password');
  const token = file('bearerToken');
  if (identity === undefined && password === undefined && token === undefined) {
    throw AgentErrors.create('AGENT_FLUX_SECRET_MISSING', `${source.kind} ${fluxKey(source.metadata.namespace, source.metadata.name)}: secretRef ${secret.name} needs its keys as files in ${dir} (identity and known_hosts, username and password, or bearerToken)`, { field: 'spec.secretRef' });
  }
  const knownHosts = file('known_hosts');
  const username = file('username');
  return {
    ...(identity === undefined ? {} : { sshKeyFile: identity }),
    ...(knownHosts === undefined ? {} : { knownHostsFile: knownHosts }),
    ...(password === undefined ? {} : { passwordFile: password }),
    ...(token === undefined ? {} : { tokenFile: token }),
    ...(username === undefined ? {} : { username: readFileSync(username, 'utf8').trim() }),
  };
}

/** The age key files of a Kustomization's `decryption.secretRef` (`namespace/name`): its `*.agekey` keys as files. */
export function fluxAgeKeyFiles(secret: string, secretsDir: string): string[] {
  const dir = join(secretsDir, ...secret.split('/'));
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.agekey')).sort().map((name) => join(dir, name)) : [];
  if (files.length === 0) {
    throw AgentErrors.create('AGENT_FLUX_SECRET_MISSING', `decryption secretRef ${secret} needs its age keys as *.agekey files in ${dir}`, { field: 'spec.decryption.secretRef' });
  }
  return files;
}

/** The Application with its Flux decryption keys, when its Kustomization names a secretRef. */
export function withFluxKeys(application: Application, decryptionSecret: string | undefined, secretsDir: string): Application {
  if (decryptionSecret === undefined || application.spec.decryption === undefined) return application;
  return { ...application, spec: { ...application.spec, decryption: { ...application.spec.decryption, ageKeyFiles: fluxAgeKeyFiles(decryptionSecret, secretsDir) } } };
}
