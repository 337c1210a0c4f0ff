/**
 * Which of the agent's applications a source-moved frame refreshes (ADR 30), pure: those that
 * read the moved repository at the moved ref, as their source or as a Helm `$values` ref source.
 * One whose own source is already at the frame's revision is left alone.
 */
import { refFollows, repoKey, type SourceMoved } from '@trueup/api';

export interface ReadingApplication {
  name: string;
  source: { repoURL: string; ref: string; chart?: string | undefined; refSources?: readonly { repoURL: string; ref: string }[] | undefined };
  /** The revision of its source it last reported; undefined before its first pass. */
  revision: string | undefined;
}

export function applicationsToRefresh(applications: readonly ReadingApplication[], moved: SourceMoved): string[] {
  const key = repoKey(moved.repoURL);
  const reads = (source: { repoURL: string; ref: string }): boolean => repoKey(source.repoURL) === key && refFollows(source.ref, moved.ref, moved.defaultBranch);
  return applications.filter(({ source, revision }) => {
    const own = source.chart === undefined && reads(source);
    if (own && moved.revision !== undefined && revision === moved.revision) return (source.refSources ?? []).some(reads);
    return own || (source.refSources ?? []).some(reads);
  }).map((app) => app.name);
}
