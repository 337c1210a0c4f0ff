/**
 * Kubernetes manifests → DesiredObject[]: a plain folder of YAML/JSON, a kustomization or a Helm
 * chart, found by what the folder holds unless `helm` / `kustomize` options force a choice.
 * Every object is checked (apiVersion, kind, metadata.name) and unique; namespaces are left as
 * written, for the provider to default with discovery.
 */
import { HelmSourceSchema, type ApplicationValues, type DesiredObject, type DirectorySource, type HelmSource, type KustomizeSource } from '@trueup/api';
import { resolveRenderLimits, type RenderLimitOverrides, type RenderLimits } from '../limits.ts';
import { openRepo, type RepoRoot } from '../repo.ts';
import { resolveRenderPath } from '../walk.ts';
import { detectTool, type KubeTool } from './detect.ts';
import { checkUniqueObjects } from './duplicates.ts';
import { renderHelm } from './helm.ts';
import { renderKustomize } from './kustomize.ts';
import { renderPlain } from './plain.ts';
import { toolBin } from './run-tool.ts';
import { checkSymlinksConfined } from './symlink-guard.ts';

export interface RenderKubernetesOptions {
  /** Root of the repository checkout; nothing outside it is read. */
  checkoutDir: string;
  /** Folder in the repository (`spec.source.path`). */
  path: string;
  /** The Application's name: Helm's default release name. */
  application: string;
  /** Destination namespace, given to `helm template --namespace`. */
  namespace?: string;
  /** `spec.source.helm`: set, the folder is rendered with Helm whatever it holds. */
  helm?: HelmSource;
  /** `spec.source.kustomize`: set, the folder is rendered with Kustomize. */
  kustomize?: KustomizeSource;
  /** `spec.source.directory`: which files of a plain folder are read. */
  directory?: DirectorySource;
  /** Binaries; default `$TRUEUP_KUSTOMIZE`…, else those `trueup tools install` built, else the names on PATH. */
  tools?: { kustomize?: string; helm?: string; jsonnet?: string };
  /** `syncPolicy.automated.allowEmpty`: a folder that yields nothing is intended, whatever else it holds. */
  allowEmpty?: boolean;
  /** Checkouts of `spec.source.refSources` by name: where Helm values files `$NAME/…` are read. */
  refs?: Readonly<Record<string, string>>;
  /** `helm.valuesFrom`, as read from the cluster by the caller, in order. */
  helmValueLayers?: readonly Record<string, unknown>[];
  /** Where the Application's own inline Helm values are in Git (`at` is filled in), for an adoption to write a key they set. */
  applicationFile?: Omit<ApplicationValues, 'at' | 'string'> | undefined;
  limits?: RenderLimitOverrides;
  signal?: AbortSignal;
}

export interface KubernetesRender {
  tool: KubeTool;
  objects: DesiredObject[];
}

export async function renderKubernetesManifests(options: RenderKubernetesOptions): Promise<KubernetesRender> {
  const limits = resolveRenderLimits(options.limits);
  const repo = await openRepo(options.checkoutDir);
  const folder = await resolveRenderPath(repo, options.path);
  const detected = await detectTool(repo, folder, { helm: options.helm !== undefined, kustomize: options.kustomize !== undefined });
  const objects = await renderWith(detected.tool, { options, repo, folder, kustomization: detected.kustomization, limits });
  checkUniqueObjects(objects);
  return { tool: detected.tool, objects };
}

interface Context {
  options: RenderKubernetesOptions;
  repo: RepoRoot;
  folder: string;
  kustomization: string;
  limits: RenderLimits;
}

async function renderWith(tool: KubeTool, { options, repo, folder, kustomization, limits }: Context): Promise<DesiredObject[]> {
  const { signal } = options;
  switch (tool) {
    case 'plain':
      return renderPlain({
        repo, folder, limits, signal, directory: options.directory, jsonnet: toolBin('jsonnet', options.tools?.jsonnet), allowEmpty: options.allowEmpty,
        variables: { ARGOCD_APP_NAME: options.application, ARGOCD_APP_NAMESPACE: options.namespace ?? '', ARGOCD_APP_SOURCE_PATH: folder },
      });
    case 'kustomize':
      await checkSymlinksConfined(repo);
      return renderKustomize({ repo, folder, kustomization, options: options.kustomize, bin: toolBin('kustomize', options.tools?.kustomize), limits, signal });
    case 'helm': {
      await checkSymlinksConfined(repo, folder);
      const helm = options.helm ?? HelmSourceSchema.parse({});
      const refs: Record<string, RepoRoot> = {};
      for (const [name, dir] of Object.entries(options.refs ?? {})) refs[name] = await openRepo(dir);
      return renderHelm({
        repo, folder, release: helm.releaseName ?? options.application, namespace: options.namespace, options: helm,
        bin: toolBin('helm', options.tools?.helm), limits, signal, refs, ...(options.helmValueLayers === undefined ? {} : { valueLayers: options.helmValueLayers }), ...(options.applicationFile === undefined ? {} : { applicationFile: options.applicationFile }),
      });
    }
  }
}
