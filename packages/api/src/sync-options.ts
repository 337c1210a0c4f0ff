/**
 * `syncPolicy.syncOptions`, as Argo CD names them. Each one is either honoured, or how Trueup
 * always works anyway; any other option, or a value Trueup cannot honour, is refused when the
 * Application is loaded rather than quietly ignored.
 */

interface SyncOptionRule {
  values: readonly string[];
  /** Why the values outside `values` cannot be honoured, when that needs saying. */
  why?: string;
}

const SYNC_OPTIONS: Record<string, SyncOptionRule> = {
  /** Create the destination namespace when it is missing. */
  CreateNamespace: { values: ['true', 'false'] },
  /** When applying, keep the live value of what `ignoreDifferences` ignores (pointers, jq paths, managers). */
  RespectIgnoreDifferences: { values: ['true', 'false'] },
  /** How prune deletes: dependents first (foreground), in the background, or left behind (orphan). */
  PrunePropagationPolicy: { values: ['foreground', 'background', 'orphan'] },
  // How Trueup always works:
  ServerSideApply: { values: ['true'], why: 'Trueup always applies server-side' },
  ApplyOutOfSyncOnly: { values: ['true', 'false'] },
  PruneLast: { values: ['true', 'false'] },
  SkipDryRunOnMissingResource: { values: ['true', 'false'] },
  Validate: { values: ['true'], why: 'the API server always validates what Trueup applies' },
};

/** Why a `Name=value` sync option cannot be honoured; undefined when it can. */
export function syncOptionProblem(option: string): string | undefined {
  const match = /^([A-Za-z]+)=(\S+)$/.exec(option);
  if (match === null) return 'expected Name=value, such as CreateNamespace=true';
  const [, name = '', value = ''] = match;
  const rule = SYNC_OPTIONS[name];
  if (rule === undefined) return `"${name}" is not a supported sync option; supported: ${Object.keys(SYNC_OPTIONS).join(', ')}`;
  if (!rule.values.includes(value)) return `${name}=${value} is not supported${rule.why === undefined ? '' : `: ${rule.why}`}; use ${rule.values.map((v) => `${name}=${v}`).join(' or ')}`;
  return undefined;
}

/** The value of a sync option, or undefined when the options do not set it. */
export function syncOptionValue(syncOptions: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  return syncOptions.findLast((option) => option.startsWith(prefix))?.slice(prefix.length);
}
