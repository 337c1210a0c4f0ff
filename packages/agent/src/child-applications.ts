/**
 * App of apps: Application manifests (ours or Argo CD's) found in a Kubernetes application's
 * render are not applied to the cluster; they are applications the agent runs next to their
 * parent. What a Git author may decide is limited to what the parent could deploy anyway: a
 * child deploys to the parent's cluster with the parent's kubeconfig and context, and fetches
 * with the parent's credentials only from the parent's repository. A child that names a
 * kubeconfig, credential files or a host destination is refused, naming the file and line, and
 * that error is the parent's: it is a Git author reaching past the parent.
 *
 * A child Git declares with a field Trueup cannot honour (a config management plugin, a typo) is
 * the child's error, as in Argo CD: the parent and its other children go on, and the child is
 * listed with `refused` set, so it shows its own error.
 */
import { ApplicationSchema, fromArgoApplication, isArgoApplication, isTrueupError, validateDocument, type Application, type DesiredObject, type ParsedDocument } from '@trueup/api';
import { AgentErrors } from './errors.ts';
import { splitFluxObjects } from './flux-children.ts';
import type { LoadedApplication } from './load-applications.ts';

const OUR_API_VERSION = 'trueup.dev/v1alpha1';

export interface SplitChildren {
  /** Objects to apply to the cluster. */
  resources: DesiredObject[];
  children: LoadedApplication[];
}

export function isApplicationManifest(object: DesiredObject): boolean {
  const { apiVersion, kind } = object.manifest;
  return kind === 'Application' && (apiVersion === OUR_API_VERSION || isArgoApplication(object.manifest));
}

export function splitChildApplications(objects: readonly DesiredObject[], parent: LoadedApplication): SplitChildren {
  const resources: DesiredObject[] = [];
  const { rest, children } = splitFluxObjects(objects, parent);
  for (const object of rest) {
    if (isApplicationManifest(object)) children.push(childOf(object, parent));
    else resources.push(object);
  }
  return { resources, children };
}

function childOf(object: DesiredObject, parent: LoadedApplication): LoadedApplication {
  const { file, line } = object.origin;
  const doc: ParsedDocument = { value: object.manifest, index: 0, line, lineOf: () => line };
  const declared = { apiVersion: object.manifest.apiVersion, file, line };
  let child: Application;
  try {
    child = isArgoApplication(object.manifest) ? fromArgoApplication(doc, file) : validateDocument(ApplicationSchema, doc, file);
  } catch (error) {
    const name = object.manifest.metadata.name;
    if (!isTrueupError(error) || typeof name !== 'string' || name === '') throw error; // no name: nothing to call the child
    const refused = { code: error.code, message: error.message, file: error.location.file ?? file, line: error.location.line ?? line, ...(error.location.field === undefined ? {} : { field: error.location.field }) };
    return { application: placeholder(name, object.manifest.spec, parent), file: `${parent.file} → ${file}`, baseDir: parent.baseDir, declared, refused };
  }
  const refuse = (field: string, message: string): Error => AgentErrors.create('AGENT_CHILD_APPLICATION_REFUSED', `Application "${child.metadata.name}": ${message}`, { file, line, field });
  const parentCluster = parent.application.spec.destination.kubernetes;
  const { kubernetes, host } = child.spec.destination;
  if (host !== undefined || kubernetes === undefined || parentCluster === undefined) throw refuse('spec.destination', 'an application from Git deploys only to its parent\'s cluster');
  if (kubernetes.kubeconfig !== undefined || kubernetes.context !== undefined) throw refuse('spec.destination.kubernetes', 'an application from Git uses its parent\'s cluster credentials; remove kubeconfig and context');
  if (child.spec.source.credentials !== undefined) throw refuse('spec.source.credentials', 'an application from Git cannot name credential files; it uses its parent\'s for the same repository');
  if ((child.spec.decryption?.ageKeyFiles.length ?? 0) > 0) throw refuse('spec.decryption.ageKeyFiles', 'an application from Git cannot name key files; it uses the agent\'s own (<state-dir>/sops/age.agekey)');
  const refSources = child.spec.source.refSources;
  if (refSources?.some((ref) => ref.credentials !== undefined) === true) throw refuse('spec.source.refSources', 'an application from Git cannot name credential files; it uses its parent\'s for the same repository');
  const parentSource = parent.application.spec.source;
  const credentials = child.spec.source.repoURL === parentSource.repoURL ? parentSource.credentials : undefined;
  const withCredentials = (repoURL: string) => (repoURL === parentSource.repoURL && parentSource.credentials !== undefined ? { credentials: parentSource.credentials } : {});
  const application: Application = {
    ...child,
    spec: {
      ...child.spec,
      source: {
        ...child.spec.source,
        ...(credentials === undefined ? {} : { credentials }),
        ...(refSources === undefined ? {} : { refSources: refSources.map((ref) => ({ ...ref, ...withCredentials(ref.repoURL) })) }),
      },
      destination: { kubernetes: { ...kubernetes, ...pickCluster(parentCluster) } },
    },
  };
  const notInSourceRepository = whyNotInSourceRepository(object, application, parent.application);
  return { application, file: `${parent.file} → ${file}`, baseDir: parent.baseDir, declared: { ...declared, ...(notInSourceRepository === undefined ? {} : { notInSourceRepository }) }, pruneWhenRemoved: prunesWhenRemoved(object, application) };
}

/** The child's file is one of the repository and branch it renders from, as written (not rendered by a tool), or why not. */
function whyNotInSourceRepository(object: DesiredObject, child: Application, parent: Application): string | undefined {
  if (object.origin.renderedBy !== undefined) return `its parent renders it with ${object.origin.renderedBy}, so the file is not the Application as written`;
  const [mine, parents] = [child.spec.source, parent.spec.source];
  if (mine.repoURL !== parents.repoURL || mine.ref !== parents.ref) return `it is declared in ${parents.repoURL} at ${parents.ref}, not in ${mine.repoURL} at ${mine.ref} that it renders from`;
  return undefined;
}

/** Argo CD's resources finalizer deletes an Application's objects with it; one of ours goes with them when it prunes itself. */
const ARGO_RESOURCES_FINALIZER = /^resources-finalizer\.argocd\.argoproj\.io(\/(foreground|background))?$/;

function prunesWhenRemoved(object: DesiredObject, application: Application): boolean {
  if (!isArgoApplication(object.manifest)) return application.spec.syncPolicy.automated?.prune === true;
  const finalizers: unknown = object.manifest.metadata['finalizers'];
  return Array.isArray(finalizers) && finalizers.some((finalizer) => typeof finalizer === 'string' && ARGO_RESOURCES_FINALIZER.test(finalizer));
}

/** What a refused child's status shows: its name and, as far as Git says, its source. Never run. */
function placeholder(name: string, spec: Record<string, unknown> | undefined, parent: LoadedApplication): Application {
  const source = (spec?.['source'] ?? {}) as Record<string, unknown>;
  const text = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback);
  return {
    ...parent.application,
    metadata: { name },
    spec: {
      ...parent.application.spec,
      source: { repoURL: text(source['repoURL'], parent.application.spec.source.repoURL), ref: text(source['targetRevision'] ?? source['ref'], 'HEAD'), path: text(source['path'], '.') },
    },
  };
}

function pickCluster(cluster: { kubeconfig?: string | undefined; context?: string | undefined }): { kubeconfig?: string; context?: string } {
  return {
    ...(cluster.kubeconfig === undefined ? {} : { kubeconfig: cluster.kubeconfig }),
    ...(cluster.context === undefined ? {} : { context: cluster.context }),
  };
}
