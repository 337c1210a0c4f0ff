/**
 * Whether a stage's agent runs a release now. Its applied revision is the commit the release
 * wrote for that stage, or a later commit on the branch (another stage's promotion, any other
 * change) that still holds it — unless a newer release's commit for the same stage is in it too.
 * Git answers the ancestry; without the promotion (no longer in Git) only the exact commit counts.
 */
import type { ReleaseStageView } from '@trueup/api';
import type { HubDeps } from './deps.ts';
import { sameRevision } from './wait-verdict.ts';

export async function runsRelease(deps: HubDeps, promotion: string, stage: ReleaseStageView, applied: string): Promise<boolean> {
  const commit = stage.revision;
  if (commit === undefined || applied === '') return false;
  if (sameRevision(applied, commit)) return true;
  const engine = deps.promotions;
  const repo = engine?.list().find((loaded) => loaded.promotion.metadata.name === promotion)?.promotion.spec.repo;
  if (engine === undefined || repo === undefined || !(await engine.git.contains(repo, applied, commit))) return false;
  const committedAt = stage.committedAt === undefined ? 0 : Date.parse(stage.committedAt);
  const newer = (await deps.store.releases.stages({ promotion }))
    .filter((s) => s.stage === stage.stage && s.revision !== undefined && !sameRevision(s.revision, commit) && (s.committedAt ?? 0) > committedAt);
  for (const later of newer) if (await engine.git.contains(repo, applied, later.revision as string)) return false;
  return true;
}
