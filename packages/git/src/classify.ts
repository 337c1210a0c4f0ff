import type { TrueupError } from '@trueup/api';
import { GitErrors, type GitErrorCode } from './errors.ts';
import type { GitResult } from './run-git.ts';

export interface FailureContext {
  /** What was being done, e.g. `list refs`, `fetch abc123`. */
  operation: string;
  /** The repository URL without credentials. */
  display: string;
  ref?: string;
}

interface Rule {
  code: GitErrorCode;
  pattern: RegExp;
  explain: (ctx: FailureContext) => string;
}

/** First match wins: host key and key-file problems before generic denials, denials before network. */
const RULES: readonly Rule[] = [
  {
    code: 'GIT_CACHE_LOCKED',
    pattern: /Unable to create '[^']*\.lock'|cannot lock ref|Unable to create temporary file/i,
    explain: (c) => `git could not ${c.operation} from ${c.display}: a lock file in the local cache is in the way (a git process that was killed, or still runs); a stale one is removed and the cache cloned again`,
  },
  {
    code: 'GIT_CACHE_CORRUPT',
    pattern: /^(fatal|error): (bad shallow line|bad object|object file \S+ is empty|loose object \S+ .*is corrupt|packfile \S+ .*(corrupt|truncated)|unable to read sha1 file|invalid sha1 pointer)/im,
    explain: (c) => `git could not ${c.operation} from ${c.display}: the local cache is damaged (a write cut short by a crash or power loss); it is cloned again`,
  },
  {
    code: 'GIT_AUTH_FAILED',
    pattern: /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i,
    explain: (c) => `the SSH host key of ${c.display} is not trusted: add the server's key to spec.source.credentials.knownHostsFile (for example with ssh-keyscan, then verify it)`,
  },
  {
    code: 'GIT_CREDENTIALS_FILE',
    pattern: /UNPROTECTED PRIVATE KEY FILE|bad permissions/i,
    explain: (c) => `the SSH private key for ${c.display} is readable by others and ssh refuses it: chmod 600 the spec.source.credentials.sshKeyFile`,
  },
  {
    code: 'GIT_AUTH_FAILED',
    pattern: /Permission denied \(|Load key .*: invalid format|error in libcrypto/i,
    explain: (c) => `the SSH server ${c.display} rejected the key: check spec.source.credentials.sshKeyFile and that its public key is authorized for the repository`,
  },
  {
    code: 'GIT_AUTH_FAILED',
    pattern: /Authentication failed|HTTP (401|403)|returned error: 40[13]|could not read (Username|Password)|terminal prompts disabled|Access denied|Unauthorized|Forbidden/i,
    explain: (c) => `the Git server ${c.display} refused access: check spec.source.credentials (username with passwordFile or tokenFile) and the account's access to the repository`,
  },
  {
    code: 'GIT_REPO_NOT_FOUND',
    pattern: /Repository not found|does not appear to be a git repository|returned error: 404|HTTP 404|not a git repository|No such file or directory/i,
    explain: (c) => `no repository at ${c.display}: check spec.source.repoURL (a private repository may also answer "not found" without valid credentials)`,
  },
  {
    code: 'GIT_REF_NOT_FOUND',
    pattern: /couldn't find remote ref|not our ref|unadvertised object|no such remote ref|invalid refspec/i,
    explain: (c) => `the ref ${c.ref === undefined ? '' : `"${c.ref}" `}was not found in ${c.display}: check spec.source.ref (a branch, a tag or a full commit SHA)`,
  },
  {
    code: 'GIT_UNREACHABLE',
    pattern: /Connection refused|Could not resolve host|Temporary failure in name resolution|Name or service not known|Failed to connect|Connection timed out|timed out|No route to host|Network is unreachable|Connection reset|Connection closed|kex_exchange_identification|returned error: 5\d\d|HTTP 5\d\d|SSL|TLS|certificate/i,
    explain: (c) => `cannot reach the Git server ${c.display}: check the URL's host and port, the network, proxies and TLS; will retry`,
  },
];

/** Maps a failed git command to an error code by its stderr, with an actionable message naming the URL. */
export function classifyFailure(result: GitResult, ctx: FailureContext): TrueupError {
  const detail = excerpt(result.stderr);
  const rule = RULES.find((candidate) => candidate.pattern.test(result.stderr));
  const message = rule === undefined
    ? `git could not ${ctx.operation} from ${ctx.display} (exit ${result.exitCode})`
    : rule.explain(ctx);
  return GitErrors.create(rule?.code ?? 'GIT_FETCH_FAILED', detail === '' ? message : `${message}. git said: ${detail}`);
}

/** Lines git prints around every remote failure, which say nothing about this one. */
const BOILERPLATE = /^(From |remote: (Counting|Compressing|Total|Enumerating)|fatal: Could not read from remote repository|Please make sure you have the correct access rights|and the repository exists)/;

/**
 * What git said, on one line: its `fatal:`/`error:` lines when it printed any (the advice that
 * follows a lock failure would push out the line naming the lock), else the last few lines.
 */
function excerpt(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !BOILERPLATE.test(line));
  const errors = lines.filter((line) => /^(fatal|error):/.test(line));
  return (errors.length > 0 ? errors : lines).slice(-3).join(' | ').slice(0, 600);
}
