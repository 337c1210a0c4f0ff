/**
 * `trueup hub users|tokens|projects|roles …`: the hub's access over its API, with the admin
 * token of `--data-dir D`, or `--hub URL` and a token (TRUEUP_TOKEN or the one `trueup login` saved).
 */
import { outputFormat, type CommandContext } from '../command.ts';
import { requireHubClient } from '../hub-target.ts';
import { formatTable, printJson } from '../output.ts';

export const ACCESS_USAGE = `trueup hub users add NAME [--password-stdin] [--group G]… | users list | users disable NAME | users passwd NAME --password-stdin
       trueup hub tokens create --name N [--ttl 30d] [--user U] | tokens list [--all] | tokens revoke ID
       trueup hub projects create NAME [--env GLOB]… [--app GLOB]… [--label k=v]… [--description TEXT] | projects list | projects show NAME | projects delete NAME
       trueup hub roles grant ROLE --project P (--user U | --group G) | roles revoke ROLE --project P (--user U | --group G) | roles list | roles create NAME --verb V…`;

export const accessOptions = {
  'password-stdin': { type: 'boolean' },
  group: { type: 'string', multiple: true },
  user: { type: 'string' },
  all: { type: 'boolean' },
  env: { type: 'string', multiple: true },
  app: { type: 'string', multiple: true },
  description: { type: 'string' },
  project: { type: 'string' },
  verb: { type: 'string', multiple: true },
} as const;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const list = (value: unknown): string[] => [value ?? []].flat().map(String);

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new Error('--password-stdin: standard input held no password');
  return password;
}

function usage(): never {
  throw new Error(`usage:\n${ACCESS_USAGE}`);
}

export async function hubAccess({ values }: CommandContext, group: string, verb: string | undefined, argument: string | undefined): Promise<number> {
  const client = await requireHubClient(values);
  const json = outputFormat(values) === 'json';
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  switch (`${group} ${verb ?? ''}`) {
    case 'users add': {
      const name = argument ?? usage();
      const password = values['password-stdin'] === true ? await readPassword() : undefined;
      await client.post('/api/v1/users', { name, groups: list(values.group), ...(password === undefined ? {} : { password }) });
      say(`Added user "${name}"${password === undefined ? ' (no password: it can hold tokens, e.g. for CI)' : ''}.`);
      return 0;
    }
    case 'users list': {
      const { items } = await client.get<{ items: { name: string; groups: string[]; disabled: boolean; createdAt: string }[] }>('/api/v1/users');
      if (json) printJson({ users: items });
      else process.stdout.write(formatTable(['NAME', 'GROUPS', 'STATE', 'SINCE'], items.map((u) => [u.name, u.groups.join(',') || '-', u.disabled ? 'disabled' : 'active', u.createdAt])));
      return 0;
    }
    case 'users disable': {
      await client.post(`/api/v1/users/${encodeURIComponent(argument ?? usage())}/disable`);
      say(`Disabled user "${argument ?? ''}": their sessions ended and their tokens are revoked.`);
      return 0;
    }
    case 'users passwd': {
      if (values['password-stdin'] !== true) throw new Error('give the new password on standard input: --password-stdin');
      await client.post(`/api/v1/users/${encodeURIComponent(argument ?? usage())}/password`, { password: await readPassword() });
      say(`Set the password of "${argument ?? ''}"; their sessions ended.`);
      return 0;
    }
    case 'tokens create': {
      const name = text(values.name) ?? usage();
      const made = await client.post<{ id: string; token: string; expiresAt: string | null; owner: string }>('/api/v1/tokens', { name, ...(text(values.ttl) === undefined ? {} : { ttl: text(values.ttl) }), ...(text(values.user) === undefined ? {} : { user: text(values.user) }) });
      process.stdout.write(`${made.token}\n`);
      say(`Token ${made.id} "${name}" acting as ${made.owner}${made.expiresAt === null ? '' : `, valid until ${made.expiresAt}`}. It is shown only now.`);
      return 0;
    }
    case 'tokens list': {
      const { items } = await client.get<{ items: { id: string; name: string; owner: string | null; createdAt: string; expiresAt: string | null }[] }>(`/api/v1/tokens${values.all === true ? '?all=true' : ''}`);
      if (json) printJson({ tokens: items });
      else process.stdout.write(formatTable(['ID', 'NAME', 'OWNER', 'CREATED', 'EXPIRES'], items.map((k) => [k.id, k.name, k.owner ?? '(hub)', k.createdAt, k.expiresAt ?? 'never'])));
      return 0;
    }
    case 'tokens revoke': {
      await client.post(`/api/v1/tokens/${encodeURIComponent(argument ?? usage())}/revoke`);
      say(`Revoked token ${argument ?? ''}.`);
      return 0;
    }
    case 'projects create': {
      const labels: Record<string, string> = {};
      for (const pair of list(values.label)) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new Error(`--label ${pair}: expected key=value`);
        labels[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const envs = list(values.env);
      const apps = list(values.app);
      await client.post('/api/v1/projects', { name: argument ?? usage(), ...(envs.length === 0 ? {} : { environments: envs }), ...(apps.length === 0 ? {} : { applications: apps }), labels, ...(text(values.description) === undefined ? {} : { description: text(values.description) }) });
      say(`Created project "${argument ?? ''}".`);
      return 0;
    }
    case 'projects list':
    case 'projects show': {
      const items = verb === 'show'
        ? [await client.get<Project>(`/api/v1/projects/${encodeURIComponent(argument ?? usage())}`)]
        : (await client.get<{ items: Project[] }>('/api/v1/projects')).items;
      if (json) printJson(verb === 'show' ? items[0] : { projects: items });
      else process.stdout.write(formatTable(['PROJECT', 'ENVIRONMENTS', 'APPLICATIONS', 'LABELS', 'GRANTS'], items.map((p) => [
        p.name, p.environments.join(','), p.applications.join(','), Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-',
        p.grants.map((g) => `${g.subjectKind}:${g.subject}=${g.role}`).join(' ') || '-',
      ])));
      return 0;
    }
    case 'projects delete': {
      await client.post(`/api/v1/projects/${encodeURIComponent(argument ?? usage())}/delete`);
      say(`Deleted project "${argument ?? ''}" and its grants.`);
      return 0;
    }
    case 'roles grant':
    case 'roles revoke': {
      const project = text(values.project) ?? usage();
      const user = text(values.user);
      const groupName = list(values.group)[0];
      if ((user === undefined) === (groupName === undefined)) throw new Error('give exactly one of --user U and --group G');
      const body = { project, role: argument ?? usage(), ...(user === undefined ? { group: groupName } : { user }) };
      await client.post(verb === 'grant' ? '/api/v1/grants' : '/api/v1/grants/revoke', body);
      say(`${verb === 'grant' ? 'Granted' : 'Revoked'} role ${body.role} in project "${project}" ${verb === 'grant' ? 'to' : 'from'} ${user === undefined ? `group "${groupName ?? ''}"` : `user "${user}"`}.`);
      return 0;
    }
    case 'roles list': {
      const { items } = await client.get<{ items: { name: string; verbs: string[]; builtin: boolean }[] }>('/api/v1/roles');
      if (json) printJson({ roles: items });
      else process.stdout.write(formatTable(['ROLE', 'KIND', 'VERBS'], items.map((r) => [r.name, r.builtin ? 'built-in' : 'custom', r.verbs.join(',')])));
      return 0;
    }
    case 'roles create': {
      await client.post('/api/v1/roles', { name: argument ?? usage(), verbs: list(values.verb) });
      say(`Role "${argument ?? ''}": ${list(values.verb).join(', ')}.`);
      return 0;
    }
    default:
      return usage();
  }
}

interface Project { name: string; environments: string[]; applications: string[]; labels: Record<string, string>; grants: { subjectKind: string; subject: string; role: string }[] }
