/**
 * The Flux objects of a render (app of apps, Flux's way): each `Kustomization` is a child
 * application reading a `GitRepository` of the same render or of its parent's tree, each
 * `HelmRelease` one rendering a chart of a `HelmRepository`; the repositories are sources, not applied; Flux's controllers are not applied, and the parent's status says so;
 * a Flux kind Trueup does not read is refused as its own child, never applied. A Kustomization
 * that is its parent (flux-system syncs the folder it is declared in) is the parent.
 */
import {
  fluxKey, fromFluxHelmRelease, fromFluxKustomization, isFluxGitRepository, isFluxHelmRelease, isFluxHelmRepository, isFluxKustomization, isTrueupError, isUnreadFluxKind,
  parseFluxGitRepository, parseFluxHelmRepository, type Application, type DesiredObject, type FluxGitRepository, type FluxHelmRepository, type ParsedDocument,
} from '@trueup/api';
import { AgentErrors } from './errors.ts';
import { fluxCredentials, isFluxController, withFluxKeys, type FluxContext } from './flux-tree.ts';
import type { LoadedApplication } from './load-applications.ts';

export interface FluxSplit {
  /** Objects that are not Flux's: applied as usual. */
  rest: DesiredObject[];
  children: LoadedApplication[];
}

export function splitFluxObjects(objects: readonly DesiredObject[], parent: LoadedApplication): FluxSplit {
  // One registry per Flux tree, as Flux's sources are objects of the cluster: a HelmRelease may
  // name a HelmRepository another Kustomization declares (infrastructure, which apps dependsOn).
  const sources = parent.flux?.sources ?? new Map<string, FluxGitRepository>();
  const helmSources = parent.flux?.helmSources ?? new Map<string, FluxHelmRepository>();
  for (const object of objects) {
    if (isFluxGitRepository(object.manifest)) {
      const repository = parseFluxGitRepository(docOf(object), object.origin.file);
      sources.set(fluxKey(repository.metadata.namespace, repository.metadata.name), repository);
    } else if (isFluxHelmRepository(object.manifest)) {
      const repository = parseFluxHelmRepository(docOf(object), object.origin.file);
      helmSources.set(fluxKey(repository.metadata.namespace, repository.metadata.name), repository);
    }
  }
  const flux: FluxContext = { sources, helmSources, secretsDir: parent.flux?.secretsDir ?? '' };
  const rest: DesiredObject[] = [];
  const children: LoadedApplication[] = [];
  const controllers: DesiredObject[] = [];
  for (const object of objects) {
    const { manifest } = object;
    if (isFluxGitRepository(manifest) || isFluxHelmRepository(manifest)) continue;
    if (isFluxController(manifest)) controllers.push(object);
    else if (isFluxKustomization(manifest)) {
      if (manifest.metadata.name !== parent.application.metadata.name) children.push(kustomizationChild(object, parent, flux));
    } else if (isFluxHelmRelease(manifest)) children.push(helmReleaseChild(object, parent, flux));
    else if (isUnreadFluxKind(manifest)) {
      const error = AgentErrors.create('AGENT_FLUX_KIND_UNSUPPORTED', `${manifest.kind} (${manifest.apiVersion}) is not read yet: only GitRepository and Kustomization are; it is not applied`, { file: object.origin.file, line: object.origin.line });
      children.push(refusedChild(object, parent, error));
    } else rest.push(object);
  }
  if (controllers.length > 0) {
    const files = [...new Set(controllers.map((o) => o.origin.file))];
    const first = controllers[0]!.origin;
    children.push({
      application: { ...parent.application, metadata: { name: 'flux-controllers' } }, file: parent.file, baseDir: parent.baseDir,
      declared: { apiVersion: 'trueup.dev/v1alpha1', kind: 'Note', file: first.file, line: first.line },
      note: `${controllers.length} objects of Flux's own controllers (${files.join(', ')}) are not applied: Trueup reconciles the Flux objects itself`,
    });
  }
  return { rest, children };
}

function kustomizationChild(object: DesiredObject, parent: LoadedApplication, flux: FluxContext): LoadedApplication {
  const { file } = object.origin;
  try {
    const { application: converted, source, decryptionSecret, waitForChildren, pruneWhenRemoved } = fromFluxKustomization(docOf(object), file, flux.sources);
    const application = withFluxKeys(converted, decryptionSecret, flux.secretsDir);
    const parentSource = parent.application.spec.source;
    // A secretRef names files the agent's owner put in the agent's state; else the parent's credentials for the same repository.
    const credentials = source.spec.secretRef !== undefined ? fluxCredentials(source, flux.secretsDir) : application.spec.source.repoURL === parentSource.repoURL ? parentSource.credentials : undefined;
    return { ...childOf(object, parent, flux, application, credentials), waitForChildren, pruneWhenRemoved };
  } catch (error) {
    if (!isTrueupError(error)) throw error;
    return refusedChild(object, parent, error);
  }
}

function helmReleaseChild(object: DesiredObject, parent: LoadedApplication, flux: FluxContext): LoadedApplication {
  const { file } = object.origin;
  try {
    const { application, source } = fromFluxHelmRelease(docOf(object), file, flux.helmSources);
    const credentials = fluxCredentials(source, flux.secretsDir);
    // Removing a HelmRelease uninstalls its release.
    return { ...childOf(object, parent, flux, application, credentials), pruneWhenRemoved: true };
  } catch (error) {
    if (!isTrueupError(error)) throw error;
    return refusedChild(object, parent, error);
  }
}

/** A child as the parent runs it: the source's credentials, and the parent's cluster (kubeconfig and context). */
function childOf(object: DesiredObject, parent: LoadedApplication, flux: FluxContext, application: Application, credentials: Application['spec']['source']['credentials']): LoadedApplication {
  const { file, line } = object.origin;
  const { kubeconfig, context } = parent.application.spec.destination.kubernetes ?? {};
  const child: Application = {
    ...application,
    spec: {
      ...application.spec,
      source: { ...application.spec.source, ...(credentials === undefined ? {} : { credentials }) },
      destination: { kubernetes: { ...application.spec.destination.kubernetes, ...(kubeconfig === undefined ? {} : { kubeconfig }), ...(context === undefined ? {} : { context }) } },
    },
  };
  return { application: child, file: `${parent.file} → ${file}`, baseDir: parent.baseDir, declared: { apiVersion: object.manifest.apiVersion, kind: object.manifest.kind, file, line }, flux };
}

function refusedChild(object: DesiredObject, parent: LoadedApplication, error: { code: string; message: string; location: { file?: string; line?: number; field?: string } }): LoadedApplication {
  const { file, line } = object.origin;
  const { location } = error;
  return {
    application: { ...parent.application, metadata: { name: object.manifest.metadata.name } },
    file: `${parent.file} → ${file}`, baseDir: parent.baseDir,
    declared: { apiVersion: object.manifest.apiVersion, kind: object.manifest.kind, file, line },
    refused: { code: error.code, message: error.message, file: location.file ?? file, line: location.line ?? line, ...(location.field === undefined ? {} : { field: location.field }) },
  };
}

function docOf(object: DesiredObject): ParsedDocument {
  const { line } = object.origin;
  return { value: object.manifest, index: 0, line, lineOf: () => line };
}
