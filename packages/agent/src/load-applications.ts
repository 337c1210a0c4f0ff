/** Reads Application files (or folders of them) given to the agent or the CLI. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import {
  ApplicationSchema, fluxKey, fromArgoApplication, fromFluxHelmRelease, fromFluxKustomization, isArgoApplication, isFluxGitRepository, isFluxHelmRelease, isFluxHelmRepository,
  isFluxKustomization, parseFluxGitRepository, parseFluxHelmRepository, parseYamlDocuments, validateDocument, type Application, type FluxGitRepository, type FluxHelmRepository,
  type ParsedDocument,
} from '@trueup/api';
import { AgentErrors } from './errors.ts';
import { fluxCredentials, withFluxKeys, type FluxContext } from './flux-tree.ts';

export interface LoadedApplication {
  application: Application;
  /** The file it was read from, as given. */
  file: string;
  /** Folder that relative paths in it (credential files) resolve against. */
  baseDir: string;
  /** An Application declared in a parent's render (app of apps): how and where Git declares it. */
  declared?: { apiVersion: string; kind?: string; file: string; line: number; notInSourceRepository?: string };
  /**
   * Set when Git's declaration cannot run (a field Trueup cannot honour): the child is not
   * started and shows this error as its own; its parent is not affected. `application` then
   * carries only the child's name and source, for its status.
   */
  refused?: { code: string; message: string; file: string; line: number; field?: string };
  /** Declared in a render but not an application: shown in the parent's status with this message (Flux's controllers). */
  note?: string;
  /** From a Flux tree: the GitRepositories its Kustomizations may name, and where their secrets are. */
  flux?: FluxContext;
  /** Ready only once the applications Git declares in it are Ready too (Flux's `wait: true`). */
  waitForChildren?: boolean;
  /**
   * A child whose objects are deleted when Git no longer declares it and its parent prunes (Flux's
   * deletionPolicy, a HelmRelease's uninstall, Argo CD's resources finalizer); otherwise they stay.
   */
  pruneWhenRemoved?: boolean;
}

export interface LoadOptions {
  /** Where Flux `secretRef` files are: `<state-dir>/flux-secrets`. */
  fluxSecretsDir?: string;
}

export async function loadApplications(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedApplication[]> {
  const files = (await Promise.all(paths.map(expand))).flat();
  const docs = (await Promise.all(files.map(readDocuments))).flat();
  const loaded = loadDocuments(docs, options.fluxSecretsDir ?? 'flux-secrets');
  if (loaded.length === 0) throw AgentErrors.create('AGENT_NO_APPLICATIONS', `no Application found in ${paths.join(', ')}`);
  const seen = new Map<string, string>();
  for (const { application, file } of loaded) {
    const other = seen.get(application.metadata.name);
    if (other !== undefined) {
      throw AgentErrors.create('AGENT_DUPLICATE_APPLICATION', `Application "${application.metadata.name}" is defined in ${other} and in ${file}`, { file, field: 'metadata.name' });
    }
    seen.set(application.metadata.name, file);
  }
  return loaded;
}

/** A Flux cluster folder is entered through its sync objects: the rest is reached through them. */
const FLUX_SYNC_FILE = join('flux-system', 'gotk-sync.yaml');

async function expand(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  if (existsSync(join(path, FLUX_SYNC_FILE))) return [join(path, FLUX_SYNC_FILE)];
  const entries = await readdir(path, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.name.startsWith('.')).map((e) => join(path, e.name)).sort();
}

interface FileDocument {
  doc: ParsedDocument;
  file: string;
}

async function readDocuments(file: string): Promise<FileDocument[]> {
  return parseYamlDocuments(await readFile(file, 'utf8'), file).map((doc) => ({ doc, file }));
}

/**
 * Applications (ours and Argo CD's) and Flux Kustomizations with their GitRepositories. Beside
 * Flux objects, other documents (Flux's controllers, kustomize's kustomization.yaml) are what the
 * tree applies, not applications: they are left to it.
 */
function loadDocuments(docs: readonly FileDocument[], fluxSecretsDir: string): LoadedApplication[] {
  const isFlux = docs.some(({ doc }) => isFluxGitRepository(doc.value) || isFluxKustomization(doc.value) || isFluxHelmRepository(doc.value) || isFluxHelmRelease(doc.value));
  const sources = new Map<string, FluxGitRepository>();
  const helmSources = new Map<string, FluxHelmRepository>();
  for (const { doc, file } of docs) {
    if (isFluxGitRepository(doc.value)) {
      const repository = parseFluxGitRepository(doc, file);
      sources.set(fluxKey(repository.metadata.namespace, repository.metadata.name), repository);
    } else if (isFluxHelmRepository(doc.value)) {
      const repository = parseFluxHelmRepository(doc, file);
      helmSources.set(fluxKey(repository.metadata.namespace, repository.metadata.name), repository);
    }
  }
  const flux: FluxContext = { sources, helmSources, secretsDir: fluxSecretsDir };
  const loaded: LoadedApplication[] = [];
  for (const { doc, file } of docs) {
    const baseDir = dirname(resolve(file));
    if (isArgoApplication(doc.value)) loaded.push({ application: fromArgoApplication(doc, file), file, baseDir });
    else if (isFluxKustomization(doc.value)) {
      const { application: converted, source, decryptionSecret, waitForChildren } = fromFluxKustomization(doc, file, sources);
      const application = withFluxKeys(converted, decryptionSecret, fluxSecretsDir);
      const credentials = fluxCredentials(source, fluxSecretsDir);
      loaded.push({ application: credentials === undefined ? application : { ...application, spec: { ...application.spec, source: { ...application.spec.source, credentials } } }, file, baseDir, flux, waitForChildren });
    } else if (isFluxHelmRelease(doc.value)) {
      const { application, source } = fromFluxHelmRelease(doc, file, helmSources);
      const credentials = fluxCredentials(source, fluxSecretsDir);
      loaded.push({ application: credentials === undefined ? application : { ...application, spec: { ...application.spec, source: { ...application.spec.source, credentials } } }, file, baseDir, flux });
    } else if (!isFlux) loaded.push({ application: validateDocument(ApplicationSchema, doc, file), file, baseDir });
  }
  return loaded;
}
