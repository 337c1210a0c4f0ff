/**
 * What `release show` and `release list` answer: a release with, for every stage of its promotion,
 * the record of its promotion there (state, revision, who, timings), whether the stage runs it
 * now, each gate with its reason and who approved, and the stage's hold. Pure.
 */
import type { ReleaseStageView, ReleaseView } from '@trueup/api';
import type { ReleaseRecord } from '@trueup/store';
import { currentIn, evaluateGates, type PromotionState } from './promotion-decide.ts';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** `explain`: when each closed window opens next (a scan over the week ahead; for one release, not lists). */
export function releaseView(state: PromotionState, release: ReleaseRecord, now: number, explain = true): ReleaseView {
  const stages = state.promotion.spec.stages.map((stage, index): ReleaseStageView => {
    const record = state.stages.find((r) => r.releaseId === release.id && r.stage === stage.name);
    const current = currentIn(state, stage.name);
    const hold = state.holds.find((h) => h.stage === stage.name);
    const gates = evaluateGates(state, release, index, now, explain);
    const approvals = gates.find((g) => g.gate === 'approvals');
    if (approvals !== undefined) approvals.approvedBy = state.approvals.filter((a) => a.releaseId === release.id && a.stage === stage.name).map((a) => `${a.approver} (${a.role}, ${new Date(a.at).toISOString()})`);
    const view: ReleaseStageView = { stage: stage.name, application: stage.application, current: current?.releaseId === release.id, gates };
    if (hold !== undefined) view.held = { by: hold.by, reason: hold.reason, at: new Date(hold.at).toISOString() };
    if (record === undefined) return view;
    return {
      ...view,
      state: record.state,
      manual: record.manual,
      requestedBy: record.requestedBy,
      ...(record.revision === undefined ? {} : { revision: record.revision }),
      ...(record.message === undefined ? {} : { message: record.message }),
      startedAt: new Date(record.startedAt).toISOString(),
      ...optional('committedAt', iso(record.committedAt)),
      ...optional('healthyAt', iso(record.healthyAt)),
      ...optional('finishedAt', iso(record.finishedAt)),
    };
  });
  return { ...releaseHead(release), stages };
}

/** What a release is, without its stages: values, origin, the run that made it, who and when. */
export function releaseHead(release: ReleaseRecord): Omit<ReleaseView, 'stages'> {
  return {
    id: release.id, promotion: release.promotion, values: release.values, origin: release.origin,
    ...(release.run === undefined ? {} : { run: { id: release.run.id, job: release.run.job } }),
    createdBy: release.createdBy, createdAt: new Date(release.createdAt).toISOString(),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
