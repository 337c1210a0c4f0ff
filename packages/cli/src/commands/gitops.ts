/** `trueup gitops set`: writes one value into a YAML file of a config repository, as one commit. */
import type { RepoCredentials } from '@trueup/api';
import { setInRepo, type Identity } from '@trueup/gitops';
import { outputFormat, outputOption, type Command } from '../command.ts';
import { requireHubClient } from '../hub-target.ts';
import { gitopsSetViaHub } from './gitops-set-hub.ts';
import { gitopsWait, WAIT_USAGE } from './gitops-wait.ts';
import { printJson, shortSha, withProgress } from '../output.ts';

const SET_USAGE = 'trueup gitops set --repo URL [--ref main] --file PATH --key KEY --value VALUE [--message M] [--run ID] [--source S] [--document N] [--allow-type-change] [--username U --password-file F | --token-file F | --ssh-key-file F --known-hosts-file F] [--author "Name <email>"] [--hub URL | --data-dir D [--hub-token-file F]] [-o json]';
const USAGE = `${SET_USAGE}\n       ${WAIT_USAGE}`;

export const gitopsCommand: Command = {
  name: 'gitops',
  usage: USAGE,
  summary: 'Set one value in a YAML file of a config repository as one commit (gitops set), keeping every other byte; wait for an agent to report a revision Healthy (gitops wait).',
  options: {
    ...outputOption,
    repo: { type: 'string' }, ref: { type: 'string' }, file: { type: 'string' }, key: { type: 'string' }, value: { type: 'string' },
    message: { type: 'string' }, run: { type: 'string' }, source: { type: 'string' }, document: { type: 'string' }, 'allow-type-change': { type: 'boolean' },
    username: { type: 'string' }, 'password-file': { type: 'string' }, 'token-file': { type: 'string' }, 'ssh-key-file': { type: 'string' }, 'known-hosts-file': { type: 'string' },
    author: { type: 'string' },
    app: { type: 'string' }, revision: { type: 'string' }, timeout: { type: 'string' },
    hub: { type: 'string' }, 'data-dir': { type: 'string' }, 'ca-file': { type: 'string' }, 'hub-token-file': { type: 'string' },
  },
  async run({ values, positionals }) {
    const [sub] = positionals;
    if (sub === 'wait') {
      const need = (name: string): string => {
        if (typeof values[name] !== 'string') throw new Error(`--${name} is required: usage: ${WAIT_USAGE}`);
        return values[name];
      };
      const client = await requireHubClient({ ...values, 'token-file': values['hub-token-file'] });
      return gitopsWait(client, { app: need('app'), revision: need('revision'), timeout: typeof values.timeout === 'string' ? values.timeout : undefined, json: outputFormat(values) === 'json' });
    }
    if (sub !== 'set') throw new Error(`unknown gitops subcommand "${sub ?? ''}": usage: ${USAGE}`);
    const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
    const need = (name: string): string => {
      const value = text(name);
      if (value === undefined) throw new Error(`--${name} is required: usage: ${USAGE}`);
      return value;
    };
    const [repoURL, file, key, value] = [need('repo'), need('file'), need('key'), need('value')];
    const ref = text('ref') ?? 'main';
    const document = text('document');
    if (document !== undefined && !/^\d+$/.test(document)) throw new Error(`--document must be a document number (0 for the first), not "${document}"`);
    const run = text('run');
    const message = text('message');
    if (text('hub') !== undefined || text('data-dir') !== undefined) {
      if (message !== undefined || text('author') !== undefined || text('username') !== undefined || text('password-file') !== undefined || text('token-file') !== undefined || text('ssh-key-file') !== undefined) {
        throw new Error('through the hub, the hub\'s writer commits with its own identity, message and credentials: drop --message, --author and the credential options');
      }
      const client = await requireHubClient({ ...values, 'token-file': values['hub-token-file'] });
      const edit = { file, key, value, ...(values['allow-type-change'] === true ? { allowTypeChange: true } : {}), ...(document === undefined ? {} : { document: Number(document) }) };
      return gitopsSetViaHub(client, { repoURL, ref, edits: [edit], source: text('source') ?? 'gitops-set', ...(run === undefined ? {} : { run }) }, outputFormat(values) === 'json');
    }
    const result = await withProgress(`writing ${key} in ${file}`, setInRepo(
      { repoURL, ref, ...credentialsOf(text) },
      [{ file, key, value, ...(values['allow-type-change'] === true ? { allowTypeChange: true } : {}), ...(document === undefined ? {} : { document: Number(document) }) }],
      { origin: { source: text('source') ?? 'gitops-set', ...(run === undefined ? {} : { run }) }, ...(message === undefined ? {} : { message }), ...identityOf(text('author')) },
    ));
    if (outputFormat(values) === 'json') {
      printJson(result.outcome === 'committed'
        ? { outcome: 'committed', revision: result.revision, parent: result.parent, attempts: result.attempts, changes: result.changes }
        : { outcome: 'unchanged', revision: result.revision });
    } else if (result.outcome === 'committed') {
      for (const change of result.changes) process.stdout.write(`${change.file}:${change.line} ${change.key}: ${show(change.from)} → ${show(change.to)}\n`);
      process.stdout.write(`committed ${shortSha(result.revision)} to ${ref}${result.attempts > 1 ? ` (after ${result.attempts - 1} retries: the branch moved)` : ''}\n`);
    } else {
      process.stdout.write(`${file} ${key} is already ${value} at ${shortSha(result.revision)} on ${ref}: nothing to commit\n`);
    }
    return 0;
  },
};

function credentialsOf(text: (name: string) => string | undefined): { credentials?: RepoCredentials } {
  const credentials: RepoCredentials = {};
  const fields = { username: 'username', 'password-file': 'passwordFile', 'token-file': 'tokenFile', 'ssh-key-file': 'sshKeyFile', 'known-hosts-file': 'knownHostsFile' } as const;
  for (const [flag, field] of Object.entries(fields)) {
    const value = text(flag);
    if (value !== undefined) credentials[field] = value;
  }
  return Object.keys(credentials).length === 0 ? {} : { credentials };
}

function identityOf(author: string | undefined): { identity?: Identity } {
  if (author === undefined) return {};
  const match = /^\s*([^<]+?)\s*<([^>]+)>\s*$/.exec(author);
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`--author must look like "Name <email>", not "${author}"`);
  return { identity: { name: match[1], email: match[2] } };
}

function show(value: unknown): string {
  return value === undefined ? '(added)' : typeof value === 'string' ? value : JSON.stringify(value);
}
