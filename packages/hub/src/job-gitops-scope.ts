/**
 * Which config files a job may write: those the applications of its own environment read (their
 * repository, branch and source path), and none another environment reads. Pure: the route hands
 * in the followers of the repository with the path each reads.
 */
import { refFollows } from '@trueup/api';

export interface ConfigFollower {
  environment: string;
  name: string;
  /** The ref the application follows ('HEAD' or '' for the default branch). */
  ref: string;
  /** The folder of the repository it reads ('.' for all of it). */
  path: string;
}

/** Why the job may not write `files` on `ref`, or undefined when it may. */
export function jobWriteRefusal(jobKey: string, environment: string | undefined, repoURL: string, ref: string, files: readonly string[], followers: readonly ConfigFollower[]): string | undefined {
  if (environment === undefined) return `job ${jobKey} names no environment: only a job of an environment writes that environment's config`;
  const branch = `refs/heads/${ref}`;
  for (const file of files) {
    const readers = followers.filter((f) => reads(f.path, file));
    const own = readers.filter((f) => f.environment === environment && refFollows(f.ref, branch));
    if (own.length === 0) return `job ${jobKey} deploys to environment "${environment}": no application of "${environment}" reads ${file} on ${ref} of ${repoURL}, so the job may not write it`;
    // A branch named by 'HEAD' may be this one: on doubt, another environment's reader refuses the write.
    const other = readers.find((f) => f.environment !== environment && (refFollows(f.ref, branch) || f.ref === 'HEAD' || f.ref === ''));
    if (other !== undefined) return `job ${jobKey} deploys to environment "${environment}": ${file} on ${ref} of ${repoURL} is also read by ${other.environment}/${other.name}, so the job may not write it`;
  }
  return undefined;
}

/** Whether an application reading folder `path` reads `file` (both relative to the repository's root). */
export function reads(path: string, file: string): boolean {
  const folder = normalize(path);
  const target = normalize(file);
  return folder === '' || target === folder || target.startsWith(`${folder}/`);
}

function normalize(path: string): string {
  return path.split('/').filter((part) => part !== '' && part !== '.').join('/');
}
