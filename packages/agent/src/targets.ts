/**
 * Where an application deploys to, as the reconcile pass needs it: a provider, how to render
 * Git for it, and where its inventory lives. A host keeps its inventory in the agent's state; a
 * cluster keeps it in the cluster too, so a lost state directory never orphans or mis-prunes.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hasSyncOption, HelmSourceSchema, syncOptionValue, type DesiredObject, type ObjectKey, type Provider } from '@trueup/api';
import type { GitCache } from '@trueup/git';
import { createHostProvider } from '@trueup/host';
import { createKubernetesProvider, kubeStatusOf, openCluster, type KubernetesProvider, type PrunePropagation } from '@trueup/kubernetes';
import { inventoryBeforeApply } from '@trueup/engine';
import { renderHostManifests, renderKubernetesManifests, resolveRenderLimits, substituteVariables, toolBin, withDecryptedCheckout } from '@trueup/render';
import { splitChildApplications } from './child-applications.ts';
import { AgentErrors } from './errors.ts';
import { helmValueLayers } from './helm-values-from.ts';
import { postBuildVariables } from './post-build-variables.ts';
import type { LoadedApplication } from './load-applications.ts';
import type { StateStore } from './state-store.ts';

export interface Rendered {
  /** Objects to deploy, completed for this target (namespaces, ownership labels). */
  desired: DesiredObject[];
  /** Applications declared in Git among them (app of apps), run by the agent next to this one. */
  children: LoadedApplication[];
  /** How many objects the render held, children and Flux sources included: none is an empty render. */
  rendered?: number;
}

export type InventorySave = 'before-apply' | 'after-pass';

export interface Target {
  provider: Provider;
  /**
   * The provider's watch reports every status change of a managed object, so health is current
   * without timed rechecks (a cluster: yes; a host, whose services are probed: no).
   */
  healthPushed: boolean;
  render(checkoutDir: string, signal?: AbortSignal): Promise<Rendered>;
  /**
   * Fetches the source's ref sources (`$values/…` of Helm values) and says at which revisions, so
   * a change there renders again; the render then reads those checkouts. Absent without any.
   */
  refRevisions?(signal?: AbortSignal): Promise<string>;
  /**
   * The inventory; on a cluster also the objects in the destination namespace labelled as this
   * application's, among the kinds of `desired` and of the inventory (found as Argo CD finds its
   * own by tracking label), so one created by a pass killed before any inventory was saved is
   * still pruned.
   */
  loadInventory(desired: readonly ObjectKey[]): Promise<ObjectKey[]>;
  /**
   * Saves the inventory. `before-apply` is the grown one saved before a pass changes anything:
   * on a cluster whose destination namespace does not exist yet (CreateNamespace=true), the
   * agent's own copy holds it until the apply creates the namespace: the answer is then false
   * (not saved everywhere), and the pass saves it again after applying.
   */
  saveInventory(keys: readonly ObjectKey[], when: InventorySave): Promise<boolean>;
}

/**
 * `watchNamespaces`: the namespaces the agent may read (a namespace-scoped install); its watches
 * then list each of them instead of the whole cluster. Undefined: the whole cluster.
 */
export function createTarget(loaded: LoadedApplication, stateDir: string, store: StateStore, git?: GitCache, watchNamespaces?: readonly string[]): Target {
  const { application } = loaded;
  const name = application.metadata.name;
  const { host, kubernetes } = application.spec.destination;
  const { source } = application.spec;
  if (host !== undefined) {
    mkdirSync(host.root, { recursive: true, mode: 0o755 }); // a new host's root, as `CreateNamespace=true` would
    return {
      provider: createHostProvider({ root: host.root, stateDir: join(stateDir, 'apps', name), application: name }),
      healthPushed: false,
      render: async (checkoutDir) => ({ desired: await renderHostManifests({ checkoutDir, path: source.path }), children: [] }),
      loadInventory: () => Promise.resolve(store.inventory(name)),
      saveInventory: (keys) => {
        store.saveInventory(name, [...keys]);
        return Promise.resolve(true);
      },
    };
  }
  if (kubernetes === undefined) throw AgentErrors.create('AGENT_DESTINATION_UNSUPPORTED', `Application "${name}" has no destination`, { file: loaded.file, field: 'spec.destination' });
  const session = openCluster({ kubeconfig: kubernetes.kubeconfig, context: kubernetes.context, baseDir: loaded.baseDir }, watchNamespaces);
  const provider: KubernetesProvider = createKubernetesProvider({
    session,
    application: name,
    namespace: kubernetes.namespace,
    createNamespace: hasSyncOption(application.spec.syncPolicy, 'CreateNamespace'),
    namespaceMetadata: application.spec.syncPolicy.managedNamespaceMetadata,
    ...prunePropagation(application.spec.syncPolicy.syncOptions),
  });
  const refs = refSourceFetcher(loaded, git);
  return {
    provider,
    healthPushed: true,
    ...(refs === undefined ? {} : { refRevisions: refs.fetch }),
    async render(checkout, signal) {
      const namespace = kubernetes.namespace;
      const applicationFile = applicationFileOf(loaded);
      const renderIn = async (checkoutDir: string) => renderKubernetesManifests({
        checkoutDir,
        path: source.path,
        application: name,
        ...(namespace === undefined ? {} : { namespace }),
        // A chart from a Helm repository is rendered with Helm whatever its options.
        ...(source.helm === undefined && source.chart === undefined ? {} : { helm: source.helm ?? HelmSourceSchema.parse({}) }),
        ...(source.helm === undefined || source.helm.valuesFrom.length === 0 ? {} : { helmValueLayers: await helmValueLayers(session, source.helm, namespace) }),
        ...(applicationFile === undefined ? {} : { applicationFile }),
        ...(source.kustomize === undefined ? {} : { kustomize: source.kustomize }),
        ...(source.directory === undefined ? {} : { directory: source.directory }),
        ...(application.spec.syncPolicy.automated?.allowEmpty === true ? { allowEmpty: true } : {}),
        ...(refs === undefined ? {} : { refs: await refs.dirs(signal) }),
        ...(signal === undefined ? {} : { signal }),
      });
      const { decryption } = application.spec;
      // SOPS files are decrypted in a private copy of the checkout, with the agent's age keys.
      const { objects } = decryption === undefined ? await renderIn(checkout) : await withDecryptedCheckout(checkout, {
        ageKeys: await readAgeKeys(decryption.ageKeyFiles.length === 0 ? [join(stateDir, 'sops', 'age.agekey')] : decryption.ageKeyFiles.map((file) => resolve(loaded.baseDir, file))),
        bin: toolBin('sops', undefined), limits: resolveRenderLimits(), signal,
      }, renderIn);
      const { postBuild } = source;
      const built = postBuild === undefined ? objects : substituteVariables(objects, await postBuildVariables(session, postBuild, namespace));
      const { resources, children } = splitChildApplications(built, loaded);
      return { desired: await provider.prepare(resources), children, rendered: built.length };
    },
    async loadInventory(desired) {
      const listed = (await provider.loadInventory()) ?? store.inventory(name);
      const labelled = await provider.findLabelled([...listed, ...desired]);
      return inventoryBeforeApply(listed, labelled);
    },
    async saveInventory(keys, when) {
      store.saveInventory(name, [...keys]);
      try {
        await provider.saveInventory(keys);
        return true;
      } catch (error) {
        // No namespace yet, so nothing in it yet either: the agent's copy holds the keys until the apply creates it.
        if (when === 'before-apply' && kubeStatusOf(error)?.status === 404) return false;
        throw error;
      }
    },
  };
}

/** age identities from key files; an error names a file that cannot be read, never its content. */
async function readAgeKeys(files: readonly string[]): Promise<string> {
  const keys: string[] = [];
  for (const file of files) {
    try {
      keys.push((await readFile(file, 'utf8')).trim());
    } catch (error) {
      throw AgentErrors.create('AGENT_SOPS_KEYS_MISSING', `cannot read the age key file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { field: 'spec.decryption.ageKeyFiles' });
    }
  }
  return keys.join('\n');
}

/** Checkouts of `spec.source.refSources`: fetched before each render, kept for it. */
function refSourceFetcher(loaded: LoadedApplication, git: GitCache | undefined) {
  const refSources = loaded.application.spec.source.refSources ?? [];
  if (refSources.length === 0 || git === undefined) return undefined;
  let dirs: Record<string, string> | undefined;
  const fetch = async (signal?: AbortSignal): Promise<string> => {
    const fetched: Record<string, string> = {};
    const revisions: string[] = [];
    for (const ref of refSources) {
      const artifact = await git.sync({ repoURL: ref.repoURL, ref: ref.ref, credentials: ref.credentials }, { baseDir: loaded.baseDir, ...(signal === undefined ? {} : { signal }) });
      fetched[ref.name] = artifact.dir;
      revisions.push(`${ref.name}@${artifact.revision}`);
    }
    dirs = fetched;
    return revisions.join(',');
  };
  return { fetch, dirs: async (signal?: AbortSignal) => dirs ?? (await fetch(signal), dirs ?? {}) };
}

/** `PrunePropagationPolicy=…`, a value the Application's schema has already checked. */
function prunePropagation(syncOptions: readonly string[]): { prunePropagation?: PrunePropagation } {
  const value = syncOptionValue(syncOptions, 'PrunePropagationPolicy');
  return value === undefined ? {} : { prunePropagation: value as PrunePropagation };
}

/**
 * Where the Application is in Git, for an adoption to write a key its inline values set: a child
 * declared in Git has a file and line. Flux's objects (a HelmRelease's spec.values) are not.
 */
function applicationFileOf(loaded: LoadedApplication): { file: string; line?: number; outside?: string } | undefined {
  const { declared } = loaded;
  if (declared === undefined) return { file: loaded.file, outside: 'the agent loaded it from a local file, not from a repository' };
  if (declared.kind !== undefined) return undefined;
  return { file: declared.file, line: declared.line, ...(declared.notInSourceRepository === undefined ? {} : { outside: declared.notInSourceRepository }) };
}
