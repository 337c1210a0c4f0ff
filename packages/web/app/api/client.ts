/**
 * The hub's HTTP API from the browser: same origin, so the session cookie goes along; an API
 * token, when the user signed in with one, as bearer; `X-Trueup-Request: 1` on every request that
 * changes something (the hub's guard against cross-site requests riding the cookie); errors as
 * `{code, message}`.
 */
const TOKEN_KEY = 'trueup.token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
/** Bumped on every sign in and out: what the login gate re-checks on. */
let generation = 0;
const listeners = new Set<() => void>();

export function getToken(): string | undefined {
  return token;
}

export function sessionGeneration(): number {
  return generation;
}

/** Signs in with an API token (a string) or out (undefined); a cookie session calls `sessionChanged` instead. */
export function setToken(value: string | undefined): void {
  token = value;
  if (value === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
  sessionChanged();
}

export function sessionChanged(): void {
  generation += 1;
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `probe`: a 401 is an answer (not signed in), not a reason to sign out. */
export async function request(path: string, init: RequestInit = {}, probe = false): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  if (!SAFE.has((init.method ?? 'GET').toUpperCase())) headers.set('x-trueup-request', '1');
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (response.ok) return response;
  let body: { code?: string; message?: string; details?: Record<string, unknown> } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401 && !probe) signedOut();
  throw new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText, body.details);
}

/** The hub no longer knows who this is (token revoked, session expired): back to the login page. */
function signedOut(): void {
  if (token !== undefined) setToken(undefined);
  else sessionChanged();
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, signal === undefined ? {} : { signal })).json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await (await request(path, { method: 'POST', body: JSON.stringify(body) })).json()) as T;
}

/** `?a=1&b=2` from the set values only. */
export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
