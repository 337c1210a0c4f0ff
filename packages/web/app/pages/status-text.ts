/** Pure helpers for what the application page shows: the Fighting hint, a commit's web address. */
const HINT = /let it stay by adding to spec:\n/;

/** A Fighting message split into what happens and the YAML it suggests (the agent writes both in one message). */
export function fightingParts(message: string): { text: string; suggestion: string | undefined } {
  const match = HINT.exec(message);
  if (match === null) return { text: message, suggestion: undefined };
  return { text: message.slice(0, match.index + match[0].length - 1), suggestion: message.slice(match.index + match[0].length).trimEnd() };
}

/** Where a commit can be seen in the browser: for http(s) repositories of the common forges' shape. */
export function commitUrl(repoURL: string, sha: string): string | undefined {
  if (!/^https?:\/\//.test(repoURL) || sha === '') return undefined;
  try {
    const url = new URL(repoURL.replace(/\.git$/, ''));
    url.username = '';
    url.password = '';
    return `${url.toString().replace(/\/$/, '')}/commit/${sha}`;
  } catch {
    return undefined;
  }
}
