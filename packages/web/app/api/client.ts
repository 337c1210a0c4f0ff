/** The hub's HTTP API from the browser: same origin, the API token as bearer, errors as `{code, message}`. */
const TOKEN_KEY = 'trueup.token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
const listeners = new Set<() => void>();

export function getToken(): string | undefined {
  return token;
}

export function setToken(value: string | undefined): void {
  token = value;
  if (value === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
  for (const listener of listeners) listener();
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(path, { ...init, headers });
  if (response.ok) return response;
  let body: { code?: string; message?: string } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401 && token !== undefined) setToken(undefined);
  throw new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText);
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
