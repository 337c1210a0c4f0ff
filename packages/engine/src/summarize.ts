/** Summarize a pass into the application's status: sync, health, conditions and resources. */
import { displayKey, keyId, type ApplicationStatus, type Condition, type DesiredObject, type LiveObject, type ResourceStatus, type SyncStatus } from '@trueup/api';
import { mergeConditions, Reasons, type ConditionInput } from './conditions.ts';
import { healthOf, worstHealth } from './health.ts';
import { patchOf, type DiffOptions, type ObjectDiff } from './object-diff.ts';

export interface PassError {
  code: string;
  message: string;
  retryable: boolean;
  file?: string;
  line?: number;
  field?: string;
}

export interface SummaryInput {
  name: string;
  source: ApplicationStatus['source'];
  revision: string;
  appliedRevision: string;
  desired: readonly DesiredObject[];
  /** Latest observation of desired ∪ inventory. */
  live: readonly LiveObject[];
  diffs: ReadonlyMap<string, ObjectDiff>;
  /** Keys (by id) whose drift keeps coming back. */
  fighting?: readonly string[];
  /** `ignoreDifferences` entries (YAML) that would end the fights, when known. */
  fightingHints?: readonly string[];
  /** The Application's ignore rules, so patches leave out what they ignore. */
  diffOptions?: DiffOptions;
  /** Why the pass could not finish; the resources then are the last good ones. */
  error?: PassError;
  /** Objects kept because pruning was not allowed or not safe. */
  pruneSkipped?: string;
  previous?: readonly Condition[];
  /** ISO 8601 time of this summary. */
  now: string;
}

export function summarize(input: SummaryInput): ApplicationStatus {
  const resources = resourceStatuses(input);
  const sync: SyncStatus = input.error !== undefined && resources.length === 0 ? 'Unknown' : resources.some((r) => r.sync !== 'Synced') ? 'OutOfSync' : 'Synced';
  const health = nothingSynced(input, resources) ? NOTHING_SYNCED : worstHealth(resources.map((r) => r.health));
  const conditions = mergeConditions(input.previous ?? [], conditionsFor(input, sync, health.status, resources), input.now);
  return {
    name: input.name,
    revision: input.revision,
    appliedRevision: input.appliedRevision,
    source: input.source,
    sync,
    health,
    conditions,
    resources,
    lastPassAt: input.now,
    ...(input.error === undefined ? {} : { error: withoutRetryable(input.error) }),
  };
}

function resourceStatuses({ desired, live, diffs, diffOptions }: SummaryInput): ResourceStatus[] {
  const desiredById = new Map(desired.map((object) => [keyId(object.key), object]));
  return live.map((observed) => {
    const id = keyId(observed.key);
    const diff = diffs.get(id) ?? { action: 'unchanged' };
    const wanted = desiredById.get(id);
    const status: ResourceStatus = { ...observed.key, sync: diff.action === 'unchanged' ? 'Synced' : 'OutOfSync', health: healthOf(observed) };
    if (diff.action !== 'unchanged') status.diff = patchOf(wanted, observed, diffOptions);
    if (wanted !== undefined) status.origin = wanted.origin;
    return status;
  });
}

function conditionsFor(input: SummaryInput, sync: SyncStatus, health: string, resources: ResourceStatus[]): ConditionInput[] {
  const { error } = input;
  const conditions: ConditionInput[] = [];
  if (error !== undefined) {
    const reason = /^(API|RENDER)_/.test(error.code) ? Reasons.InvalidSource : /^GIT_/.test(error.code) ? Reasons.FetchFailed : Reasons.Failed;
    const message = location(error) + error.message;
    conditions.push({ type: 'Ready', status: 'False', reason, message });
    conditions.push({ type: 'Stalled', status: error.retryable ? 'False' : 'True', reason, message });
    conditions.push({ type: 'Reconciling', status: error.retryable ? 'True' : 'False', reason, message: error.retryable ? 'retrying with backoff' : 'waiting for a new revision' });
  } else if (sync === 'OutOfSync') {
    const out = resources.filter((r) => r.sync === 'OutOfSync').map((r) => displayKey(r));
    const message = `${out.length} resource(s) out of sync: ${out.slice(0, 5).join(', ')}${out.length > 5 ? ', …' : ''}${input.pruneSkipped === undefined ? '' : `; ${input.pruneSkipped}`}`;
    conditions.push({ type: 'Ready', status: 'False', reason: Reasons.OutOfSync, message });
    conditions.push({ type: 'Stalled', status: 'False', reason: Reasons.OutOfSync, message: '' });
    conditions.push({ type: 'Reconciling', status: 'False', reason: Reasons.OutOfSync, message: '' });
  } else if (health !== 'Healthy') {
    const reason = health === 'Progressing' ? Reasons.Progressing : Reasons.Unhealthy;
    const unhealthy = resources.length === 0 ? [NOTHING_SYNCED.message] : resources.filter((r) => r.health.status !== 'Healthy').map((r) => `${displayKey(r)}: ${r.health.status}${r.health.message === undefined ? '' : ` (${r.health.message})`}`);
    conditions.push({ type: 'Ready', status: 'False', reason, message: unhealthy.slice(0, 5).join('; ') });
    conditions.push({ type: 'Stalled', status: 'False', reason, message: '' });
    conditions.push({ type: 'Reconciling', status: health === 'Progressing' ? 'True' : 'False', reason, message: '' });
  } else {
    const message = `applied revision ${input.appliedRevision.slice(0, 12)}`;
    conditions.push({ type: 'Ready', status: 'True', reason: Reasons.Succeeded, message });
    conditions.push({ type: 'Stalled', status: 'False', reason: Reasons.Succeeded, message: '' });
    conditions.push({ type: 'Reconciling', status: 'False', reason: Reasons.Succeeded, message: '' });
  }
  const fighting = input.fighting ?? [];
  if (fighting.length > 0) {
    conditions.push({ type: 'Fighting', status: 'True', reason: Reasons.Fighting, message: `something keeps changing ${fighting.join(', ')} back; self-heal is backing off${fightingHint(input.fightingHints)}` });
  }
  return conditions;
}

/**
 * An application that has never applied a revision and has nothing to show is not Healthy: no
 * pass has looked at anything yet (its first fetch failed, say). Argo CD says Unknown too.
 */
const NOTHING_SYNCED = { status: 'Unknown', message: 'nothing synced yet' } as const;

function nothingSynced(input: SummaryInput, resources: readonly ResourceStatus[]): boolean {
  return resources.length === 0 && input.appliedRevision === '';
}

function location(error: PassError): string {
  if (error.file === undefined) return '';
  return error.message.startsWith(error.file) ? '' : `${error.file}${error.line === undefined ? '' : `:${error.line}`}: ${error.field === undefined ? '' : `${error.field}: `}`;
}

function withoutRetryable({ retryable: _retryable, ...rest }: PassError): NonNullable<ApplicationStatus['error']> {
  return rest;
}

function fightingHint(hints: readonly string[] | undefined): string {
  const known = (hints ?? []).filter((hint) => hint !== '');
  return known.length === 0 ? '' : `. If that change is wanted, let it stay by adding to spec:\n${known.join('')}`;
}
