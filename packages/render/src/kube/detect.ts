/**
 * Which renderer a folder needs: a kustomization file means Kustomize, a `Chart.yaml` means Helm,
 * anything else is a plain folder of manifests. `spec.source.helm` / `.kustomize` force a choice.
 */
import { stat } from 'node:fs/promises';
import { ApiErrors } from '@trueup/api';
import { isMissing, joinRelative, readError, toAbsolute, type RepoRoot } from '../repo.ts';

export type KubeTool = 'plain' | 'kustomize' | 'helm';

/** The names `kustomize build` looks for, in its order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;
export const CHART_FILE = 'Chart.yaml';

export interface Detected {
  tool: KubeTool;
  /** Repo-relative kustomization file (or where it would be): the origin of kustomize's objects. */
  kustomization: string;
}

export async function detectTool(repo: RepoRoot, folder: string, forced: { helm: boolean; kustomize: boolean }): Promise<Detected> {
  if (forced.helm && forced.kustomize) {
    throw ApiErrors.create('API_FIELD_INVALID', 'set at most one of spec.source.helm and spec.source.kustomize', { field: 'spec.source' });
  }
  let kustomization: string | undefined;
  for (const name of KUSTOMIZATION_FILES) {
    if (await isFile(repo, joinRelative(folder, name))) {
      kustomization = joinRelative(folder, name);
      break;
    }
  }
  const origin = kustomization ?? joinRelative(folder, KUSTOMIZATION_FILES[0]);
  if (forced.helm) return { tool: 'helm', kustomization: origin };
  // A kustomization wins over a Chart.yaml beside it: it may inflate that very chart.
  if (forced.kustomize || kustomization !== undefined) return { tool: 'kustomize', kustomization: origin };
  if (await isFile(repo, joinRelative(folder, CHART_FILE))) return { tool: 'helm', kustomization: origin };
  return { tool: 'plain', kustomization: origin };
}

async function isFile(repo: RepoRoot, relative: string): Promise<boolean> {
  try {
    return (await stat(toAbsolute(repo, relative))).isFile();
  } catch (cause) {
    if (isMissing(cause)) return false;
    throw readError(cause, undefined, relative);
  }
}
