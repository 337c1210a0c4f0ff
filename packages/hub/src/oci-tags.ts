/**
 * The tags of a repository in an OCI registry, by the distribution API (`GET /v2/NAME/tags/list`,
 * paged by its `Link` header), with the registry's own auth: Basic, or a Bearer token fetched
 * from the realm its `WWW-Authenticate` names. Answers are bounded and checked; a registry that
 * is down or answers garbage is an HUB_REGISTRY_FAILED error without credentials in it.
 */
import { HubErrors } from './errors.ts';

export interface RegistryAuth {
  username: string;
  password: string;
}

const MAX_PAGES = 100;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const TIMEOUT_MS = 15_000;

export async function listTags(repository: string, options: { insecure: boolean; auth?: RegistryAuth | undefined }): Promise<string[]> {
  const slash = repository.indexOf('/');
  const host = repository.slice(0, slash);
  const name = repository.slice(slash + 1);
  const base = `${options.insecure ? 'http' : 'https'}://${host}`;
  const fail = (why: string): Error => HubErrors.create('HUB_REGISTRY_FAILED', `tags of ${repository}: ${why}`);
  let authorization: string | undefined;
  const tags: string[] = [];
  let next: string | undefined = `/v2/${name}/tags/list?n=1000`;
  for (let page = 0; next !== undefined; page++) {
    if (page >= MAX_PAGES) throw fail(`more than ${MAX_PAGES} pages of tags`);
    let response = await get(`${base}${next}`, authorization, fail);
    if (response.status === 401 && authorization === undefined) {
      authorization = await authorize(response.headers.get('www-authenticate') ?? '', options.auth, fail);
      response = await get(`${base}${next}`, authorization, fail);
    }
    if (response.status === 404) throw fail('no such repository (404)');
    if (response.status === 401 || response.status === 403) throw fail(`refused (${response.status})${options.auth === undefined ? ': no credentials are configured for this registry' : ': check the credentials configured for it'}`);
    if (!response.ok) throw fail(`HTTP ${response.status}`);
    const body = await readJson(response, fail);
    const list = (body as { tags?: unknown } | null)?.tags;
    if (list !== null && list !== undefined && !Array.isArray(list)) throw fail('the answer has no list of tags');
    for (const tag of (list ?? []) as unknown[]) {
      if (typeof tag === 'string' && TAG.test(tag)) tags.push(tag);
    }
    next = nextPage(response.headers.get('link'));
  }
  return tags;
}

async function get(url: string, authorization: string | undefined, fail: (why: string) => Error): Promise<Response> {
  try {
    return await fetch(url, { headers: { accept: 'application/json', ...(authorization === undefined ? {} : { authorization }) }, redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw fail(`the registry cannot be reached (${cause ?? (error instanceof Error ? error.name : 'error')})`);
  }
}

/** The header to answer a 401 with: Basic, or a token from the Bearer realm. */
async function authorize(challenge: string, auth: RegistryAuth | undefined, fail: (why: string) => Error): Promise<string | undefined> {
  const basic = auth === undefined ? undefined : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const scheme = /^\s*(\w+)/.exec(challenge)?.[1]?.toLowerCase();
  if (scheme === 'basic') return basic;
  if (scheme !== 'bearer') return basic;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]?.toLowerCase() ?? '', m[2] ?? '']));
  if (params.realm === undefined || !/^https?:\/\//.test(params.realm)) throw fail('the registry asks for a token without a usable realm');
  const url = new URL(params.realm);
  if (params.service !== undefined) url.searchParams.set('service', params.service);
  if (params.scope !== undefined) url.searchParams.set('scope', params.scope);
  const response = await get(url.toString(), basic, fail);
  if (!response.ok) throw fail(`the token service refused (${response.status})`);
  const body = (await readJson(response, fail)) as { token?: unknown; access_token?: unknown } | null;
  const token = typeof body?.token === 'string' ? body.token : typeof body?.access_token === 'string' ? body.access_token : undefined;
  if (token === undefined) throw fail('the token service answered without a token');
  return `Bearer ${token}`;
}

async function readJson(response: Response, fail: (why: string) => Error): Promise<unknown> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw fail(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
  const text = await response.text();
  if (text.length > MAX_BODY_BYTES) throw fail(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail('the answer is not JSON');
  }
}

/** The `rel="next"` target of a Link header, as a path on the same registry. */
function nextPage(link: string | null): string | undefined {
  const target = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link ?? '')?.[1];
  if (target === undefined) return undefined;
  const url = new URL(target, 'http://registry');
  return url.pathname.startsWith('/v2/') ? `${url.pathname}${url.search}` : undefined;
}
