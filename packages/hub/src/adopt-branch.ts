/** Where an adoption commits: the branch asked for, else a new branch named after the object. Pure. */
export interface AdoptTarget {
  /** The branch the commit goes on. */
  branch: string;
  /** True when that is the branch the application follows: the agent applies the commit directly. */
  direct: boolean;
}

/** `trueup/adopt/ENV-APP-KIND-NAME-ID`, lower case, each part reduced to what a branch name takes; the id to letters and digits. */
export function adoptBranchName(environment: string, application: string, kind: string, name: string, id: string): string {
  const part = (text: string): string => text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[-.]+|[-.]+$/g, '').slice(0, 40) || 'x';
  const suffix = id.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 8) || 'x';
  return `trueup/adopt/${[environment, application, kind, name].map(part).join('-')}-${suffix}`;
}

/**
 * The branch asked for (`refs/heads/` spelling allowed), else a new one when asked, else the
 * tracked one; direct when it is the tracked branch.
 */
export function adoptTarget(tracked: string, asked: string | undefined, newBranch: boolean, fresh: () => string): AdoptTarget {
  const short = (ref: string): string => ref.replace(/^refs\/heads\//, '');
  const branch = asked !== undefined ? short(asked) : newBranch ? fresh() : short(tracked);
  return { branch, direct: branch === short(tracked) };
}

/** How to look at an adoption's branch beside the tracked one, in a clone of the repository. */
export function compareHint(tracked: string, branch: string): string {
  return `git fetch origin ${branch} && git diff origin/${tracked}...FETCH_HEAD`;
}
