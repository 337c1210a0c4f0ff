/**
 * One key per Git repository however its URL is spelled, to match a push (which names the
 * repository by its clone, SSH and web URLs) with the applications that read it:
 * `https://Git.example.com/ops/config.git`, `ssh://git@git.example.com/ops/config` and
 * `git@git.example.com:ops/config.git` are all `git.example.com/ops/config`.
 */
export function repoKey(url: string): string {
  let text = url.trim();
  const scp = /^([^@/:]+@)?([^/:]+):(?!\/)(.+)$/.exec(text);
  if (scp !== null && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `ssh://${scp[2] ?? ''}/${scp[3] ?? ''}`;
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/]*)(\/.*)?$/i.exec(text);
  if (match === null) return text.replace(/\.git\/?$|\/+$/g, '');
  const host = (match[1] ?? '').toLowerCase().replace(/:(22|80|443)$/, '');
  const path = (match[2] ?? '').replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  return `${host}${path}`;
}

/** Whether an application following `ref` should refresh on a push to `pushedRef` (`refs/heads/main`, `refs/tags/v1`). */
export function refFollows(ref: string, pushedRef: string, defaultBranch?: string): boolean {
  const short = (name: string): string => name.replace(/^refs\/(heads|tags)\//, '');
  if (ref === pushedRef || short(ref) === short(pushedRef)) return true;
  return (ref === 'HEAD' || ref === '') && defaultBranch !== undefined && short(pushedRef) === defaultBranch;
}
