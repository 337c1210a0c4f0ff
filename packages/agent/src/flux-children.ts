/**
 * The Flux objects of a render (app of apps, Flux's way): each `Kustomization` is a child
 * application reading a `GitRepository` of the same render or of its parent's tree; GitRepositories
 * are sources, not applied; Flux's controllers are not applied, and the parent's status says so;
 * a Flux kind Trueup does not read is refused as its own child, never applied. A Kustomization
 * that is its parent (flux-system syncs the folder it is declared in) is the parent.
 */
import {
  fluxKey, fromFluxKustomization, isFluxGitRepository, isFluxKustomization, isTrueupError, isUnreadFluxKind, parseFluxGitRepository,
  type Application, type DesiredObject, type FluxGitRepository, type ParsedDocument,
} from '@trueup/api';
import { AgentErrors } from './errors.ts';
import { fluxCredentials, isFluxController, type FluxContext } from './flux-tree.ts';
import type { LoadedApplication } from './load-applications.ts';

export interface FluxSplit {
  /** Objects that are not Flux's: applied as usual. */
  rest: DesiredObject[];
  children: LoadedApplication[];
}

export function splitFluxObjects(objects: readonly DesiredObject[], parent: LoadedApplication): FluxSplit {
  const sources = new Map<string, FluxGitRepository>(parent.flux?.sources ?? []);
  for (const object of objects) {
    if (!isFluxGitRepository(object.manifest)) continue;
    const repository = parseFluxGitRepository(docOf(object), object.origin.file);
    sources.set(fluxKey(repository.metadata.namespace, repository.metadata.name), repository);
  }
  const flux: FluxContext = { sources, secretsDir: parent.flux?.secretsDir ?? '' };
  const rest: DesiredObject[] = [];
  const children: LoadedApplication[] = [];
  const controllers: DesiredObject[] = [];
  for (const object of objects) {
    const { manifest } = object;
    if (isFluxGitRepository(manifest)) continue;
    if (isFluxController(manifest)) controllers.push(object);
    else if (isFluxKustomization(manifest)) {
      if (manifest.metadata.name !== parent.application.metadata.name) children.push(kustomizationChild(object, parent, flux));
    } else if (isUnreadFluxKind(manifest)) {
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
  const { file, line } = object.origin;
  try {
    const { application, source } = fromFluxKustomization(docOf(object), file, flux.sources);
    const parentSource = parent.application.spec.source;
    // A secretRef names files the agent's owner put in the agent's state; else the parent's credentials for the same repository.
    const credentials = source.spec.secretRef !== undefined ? fluxCredentials(source, flux.secretsDir) : application.spec.source.repoURL === parentSource.repoURL ? parentSource.credentials : undefined;
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
  } catch (error) {
    if (!isTrueupError(error)) throw error;
    return refusedChild(object, parent, error);
  }
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
