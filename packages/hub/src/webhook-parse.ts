/**
 * Git push webhooks: which forge sent it, whether it proves it knows the secret, and which
 * repository URLs and ref it names. GitHub (X-Hub-Signature-256 HMAC), Gitea and Forgejo
 * (X-Gitea-Signature / X-Forgejo-Signature HMAC), GitLab (X-Gitlab-Token) and a plain
 * `{"repoURL","ref","after"}` with the secret as bearer token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PlainPushSchema } from '@trueup/api';
import { HubErrors } from './errors.ts';

export interface Push {
  source: 'github' | 'gitea' | 'forgejo' | 'gitlab' | 'plain';
  /** A delivery id the forge never reuses, when it sends one. */
  delivery?: string;
  /** Every URL the payload gives for the repository. */
  repoURLs: string[];
  ref: string;
  after?: string;
  defaultBranch?: string;
  /** The messages of the commits pushed, when the payload lists them. */
  messages?: string[];
}

export type Parsed = { kind: 'push'; push: Push } | { kind: 'ignored'; source: Push['source']; event: string };

type Headers = (name: string) => string | undefined;

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmacHex(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function forged(source: string): Error {
  return HubErrors.create('HUB_WEBHOOK_FORGED', `the ${source} webhook's signature or token does not match the hub's webhook secret`);
}

function json(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw HubErrors.create('HUB_REQUEST_INVALID', 'the webhook body is not a JSON object', { field: 'body' });
}

const strings = (...values: unknown[]): string[] => values.filter((v): v is string => typeof v === 'string' && v !== '');
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? value as Record<string, unknown> : {});
/** `commits[].message` of a push payload (GitHub, Gitea, Forgejo, GitLab and the plain body all use it). */
const messagesOf = (payload: Record<string, unknown>): { messages?: string[] } => {
  if (!Array.isArray(payload.commits)) return {};
  const messages = payload.commits.map((commit) => record(commit).message);
  return messages.every((m) => typeof m === 'string') ? { messages: messages } : {};
};

export function parseWebhook(header: Headers, body: string, secret: string): Parsed {
  const github = header('x-github-event');
  const gitea = header('x-gitea-event') ?? header('x-forgejo-event');
  const gitlab = header('x-gitlab-event');
  if (github !== undefined || gitea !== undefined) {
    const source = github !== undefined ? 'github' : header('x-forgejo-event') !== undefined ? 'forgejo' : 'gitea';
    const expected = hmacHex(secret, body);
    const signature = github !== undefined ? (header('x-hub-signature-256') ?? '').replace(/^sha256=/, '') : (header('x-gitea-signature') ?? header('x-forgejo-signature') ?? '');
    if (!sameSecret(signature, expected)) throw forged(source);
    const event = github ?? gitea ?? '';
    if (event !== 'push') return { kind: 'ignored', source, event };
    const payload = json(body);
    const repository = record(payload.repository);
    const delivery = header('x-github-delivery') ?? header('x-gitea-delivery') ?? header('x-forgejo-delivery');
    return { kind: 'push', push: {
      source, repoURLs: strings(repository.clone_url, repository.ssh_url, repository.html_url, repository.git_url), ref: (typeof payload.ref === 'string' ? payload.ref : ''),
      ...(typeof payload.after === 'string' ? { after: payload.after } : {}),
      ...(typeof repository.default_branch === 'string' ? { defaultBranch: repository.default_branch } : {}),
      ...(delivery === undefined ? {} : { delivery: `${source}:${delivery}` }),
      ...messagesOf(payload),
    } };
  }
  if (gitlab !== undefined) {
    if (!sameSecret(header('x-gitlab-token') ?? '', secret)) throw forged('GitLab');
    if (gitlab !== 'Push Hook' && gitlab !== 'Tag Push Hook') return { kind: 'ignored', source: 'gitlab', event: gitlab };
    const payload = json(body);
    const project = record(payload.project);
    const repository = record(payload.repository);
    const delivery = header('x-gitlab-event-uuid') ?? header('idempotency-key');
    return { kind: 'push', push: {
      source: 'gitlab', repoURLs: strings(project.git_http_url, project.git_ssh_url, project.web_url, repository.git_http_url, repository.git_ssh_url, repository.homepage),
      ref: (typeof payload.ref === 'string' ? payload.ref : ''), ...(typeof payload.after === 'string' ? { after: payload.after } : {}),
      ...(typeof project.default_branch === 'string' ? { defaultBranch: project.default_branch } : {}),
      ...(delivery === undefined ? {} : { delivery: `gitlab:${delivery}` }),
      ...messagesOf(payload),
    } };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(header('authorization') ?? '')?.[1];
  if (bearer === undefined || !sameSecret(bearer, secret)) throw forged('plain');
  const parsed = PlainPushSchema.safeParse(json(body));
  if (!parsed.success) throw HubErrors.create('HUB_REQUEST_INVALID', `body.${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { field: `body.${parsed.error.issues[0]?.path.join('.') ?? ''}` });
  const delivery = header('x-delivery-id');
  return { kind: 'push', push: { source: 'plain', repoURLs: [parsed.data.repoURL], ref: parsed.data.ref, ...(parsed.data.after === undefined ? {} : { after: parsed.data.after }), ...(delivery === undefined ? {} : { delivery: `plain:${delivery}` }), ...messagesOf(parsed.data) } };
}
