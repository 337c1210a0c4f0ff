/**
 * Judging a verifying stage by what its agent reports, as `gitops wait` does (`waitVerdict`):
 * Healthy, failed (Degraded, the pass failed), or still pending until the verification timeout.
 * An agent already past the commit (a later one on the branch) is judged at its own revision when
 * that contains the commit, asking Git at most every few seconds per stage.
 */
import type { ApplicationStatus, Promotion } from '@trueup/api';
import type { HubStore, ReleaseStageRecord } from '@trueup/store';
import type { PromotionGit } from './promotion-git.ts';
import { sameRevision, waitVerdict } from './wait-verdict.ts';

/** How often (at most) a verifying stage asks Git whether the agent's revision contains its commit. */
const ANCESTRY_EVERY_MS = 3000;

export interface StageVerifierDeps {
  store: HubStore;
  git: PromotionGit;
  now: () => number;
  verifyTimeoutMs: number;
  ledger: (entry: { environment: string; application: string; actor: string; kind: string; details: Record<string, unknown> }) => Promise<void>;
}

export class StageVerifier {
  readonly #deps: StageVerifierDeps;
  /** When Git was last asked about a verifying stage's commit, by release and stage. */
  readonly #askedGit = new Map<string, number>();

  constructor(deps: StageVerifierDeps) {
    this.#deps = deps;
  }

  async verify(promotion: Promotion, record: ReleaseStageRecord): Promise<void> {
    const { releases } = this.#deps.store;
    const revision = record.revision ?? '';
    const [environment = '', name = ''] = record.application.split('/');
    const found = await this.#deps.store.applications.get(environment, name);
    const status = found?.status as ApplicationStatus | undefined;
    let verdict = waitVerdict(status, revision);
    const applied = status?.appliedRevision ?? '';
    if (verdict.state === 'pending' && applied !== '' && !sameRevision(applied, revision) && this.#mayAskGit(record) && await this.#deps.git.contains(promotion.spec.repo, applied, revision)) verdict = waitVerdict(status, applied);
    const base = { releaseId: record.releaseId, promotion: record.promotion, stage: record.stage, revision };
    const event = { environment, application: name, actor: 'automation' };
    const now = this.#deps.now();
    switch (verdict.state) {
      case 'healthy':
        if (await releases.transition(record.releaseId, record.stage, ['verifying'], { state: 'healthy', healthyAt: now, finishedAt: now, message: verdict.reason })) {
          await this.#deps.ledger({ ...event, kind: 'promotion-healthy', details: { ...base, durationMs: now - record.startedAt } });
        }
        return;
      case 'degraded':
      case 'failed':
        if (await releases.transition(record.releaseId, record.stage, ['verifying'], { state: 'failed', finishedAt: now, message: verdict.reason })) {
          await this.#deps.ledger({ ...event, kind: 'promotion-failed', details: { ...base, reason: verdict.reason, failing: verdict.failing } });
        }
        return;
      case 'pending':
        if (now - (record.committedAt ?? record.startedAt) > this.#deps.verifyTimeoutMs) {
          const reason = `not Healthy in time: ${verdict.reason}`;
          if (await releases.transition(record.releaseId, record.stage, ['verifying'], { state: 'failed', finishedAt: now, message: reason })) await this.#deps.ledger({ ...event, kind: 'promotion-failed', details: { ...base, reason } });
        }
        return;
    }
  }

  /** Not in the first seconds (the agent is most likely still on the revision before), then at most every few seconds per stage. */
  #mayAskGit(record: ReleaseStageRecord): boolean {
    const now = this.#deps.now();
    const key = `${record.releaseId}\0${record.stage}`;
    if (now - (record.committedAt ?? record.startedAt) < ANCESTRY_EVERY_MS || now - (this.#askedGit.get(key) ?? 0) < ANCESTRY_EVERY_MS) return false;
    this.#askedGit.set(key, now);
    if (this.#askedGit.size > 1000) this.#askedGit.delete(this.#askedGit.keys().next().value ?? '');
    return true;
  }
}
