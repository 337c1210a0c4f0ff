/**
 * The agent's loopback listener: status JSON, refresh, sync, pause and resume of self-heal under `/api/` (with the token),
 * health, readiness and metrics (without it: they hold no file contents nor secrets).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApplicationStatus } from '@trueup/api';
import { refusal, type ApiAccess } from './api-access.ts';
import type { PassMode } from './app-runtime.ts';
import { AgentErrors } from './errors.ts';
import type { ListenAddress } from './listen-address.ts';

/** Through the builtin loader, not an ES import, which would load undici for nothing (packages/host/src/health-check.ts says why). */
const { createServer } = process.getBuiltinModule('node:http');

export interface AgentApi {
  statuses(): ApplicationStatus[];
  /** Starts a pass now; resolves after it when `wait`. */
  refresh(name: string): Promise<ApplicationStatus> | undefined;
  /** A pass in the mode asked (what `trueup sync`/`diff` run through the agent), waiting while Progressing up to `waitHealthyMs`. */
  sync(name: string, mode: PassMode, waitHealthyMs: number): Promise<{ status: ApplicationStatus }> | undefined;
  /** Pauses self-heal of the application or one object (key id); undefined when not run here. */
  pause(name: string, object: string | undefined, by: string): Promise<ApplicationStatus | { unknownObject: string }> | undefined;
  /** Resumes self-heal and heals at once; undefined when not run here. */
  resume(name: string, object: string | undefined): Promise<{ status: ApplicationStatus; resumed: number }> | undefined;
  ready(): boolean;
  metrics(): string;
}

type Action = 'refresh' | 'sync' | 'pause' | 'resume';
const ACTION = /^\/api\/v1\/applications\/([^/]+)\/(refresh|sync|pause|resume)$/;
/** Who a pause through the loopback API is shown as made by. */
const LOCAL_CALLER = 'local API';
/** The longest a sync through the API waits for health. */
const MAX_WAIT_MS = 3_600_000;

/** `access` is read on each request: the port is known once listening. */
export function createAgentServer(api: AgentApi, access: () => ApiAccess): Server {
  return createServer((request, response) => {
    void route(api, access(), request, response).catch((error: unknown) => send(response, 500, { code: 'AGENT_INTERNAL', message: String(error) }));
  });
}

async function route(api: AgentApi, access: ApiAccess, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://agent');
  const refused = refusal(request, access, url.pathname.startsWith('/api/'));
  if (refused !== undefined) {
    const headers = refused.status === 401 ? { 'www-authenticate': 'Bearer realm="trueup-agent"' } : {};
    return send(response, refused.status, { code: refused.code, message: refused.message }, headers);
  }
  const action = ACTION.exec(url.pathname);
  if (request.method === 'POST' && action !== null) return act(api, url, action[1] ?? '', (action[2] ?? 'refresh') as Action, response);
  if (request.method !== 'GET') return send(response, 405, { code: 'AGENT_METHOD_NOT_ALLOWED', message: 'method not allowed' });
  switch (url.pathname) {
    case '/api/v1/applications':
      return send(response, 200, { applications: api.statuses() });
    case '/healthz':
      return sendText(response, 200, 'ok\n');
    case '/readyz':
      return api.ready() ? sendText(response, 200, 'ok\n') : sendText(response, 503, 'first pass not finished\n');
    case '/metrics':
      return sendText(response, 200, api.metrics(), 'text/plain; version=0.0.4');
    default:
      return send(response, 404, { code: 'AGENT_NOT_FOUND', message: 'not found' });
  }
}

async function act(api: AgentApi, url: URL, encoded: string, action: Action, response: ServerResponse): Promise<void> {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return send(response, AgentErrors.AGENT_API_BAD_REQUEST.httpStatus, { code: 'AGENT_API_BAD_REQUEST', message: `the application name "${encoded}" is not valid percent-encoding` });
  }
  const notFound = () => send(response, AgentErrors.AGENT_APPLICATION_NOT_FOUND.httpStatus, { code: 'AGENT_APPLICATION_NOT_FOUND', message: `no application "${name}"` });
  if (action === 'sync') {
    const mode = url.searchParams.get('mode') ?? 'apply';
    const wait = url.searchParams.get('waitHealthyMs') ?? '0';
    if ((mode !== 'apply' && mode !== 'detect') || !/^\d+$/.test(wait)) {
      return send(response, AgentErrors.AGENT_API_BAD_REQUEST.httpStatus, { code: 'AGENT_API_BAD_REQUEST', message: 'sync takes mode=apply|detect and waitHealthyMs=N' });
    }
    const pass = api.sync(name, mode, Math.min(Number(wait), MAX_WAIT_MS));
    return pass === undefined ? notFound() : send(response, 200, (await pass).status);
  }
  if (action === 'pause' || action === 'resume') {
    const object = url.searchParams.get('object') ?? undefined;
    const done = action === 'pause' ? api.pause(name, object, LOCAL_CALLER) : api.resume(name, object)?.then(({ status }) => status);
    if (done === undefined) return notFound();
    const status = await done;
    if ('unknownObject' in status) return send(response, AgentErrors.AGENT_OBJECT_UNKNOWN.httpStatus, { code: 'AGENT_OBJECT_UNKNOWN', message: `application "${name}" has no object "${status.unknownObject}"` });
    return send(response, 200, status);
  }
  const pass = api.refresh(name);
  if (pass === undefined) return notFound();
  if (url.searchParams.get('wait') === 'true') send(response, 200, await pass);
  else send(response, 202, { accepted: name });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`${JSON.stringify(body, null, 2)}\n`);
}

function sendText(response: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  response.writeHead(status, { 'content-type': type }).end(body);
}

/** Listens on the address (port 0 picks one); resolves with the URL. */
export async function listen(server: Server, address: ListenAddress): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(AgentErrors.create('AGENT_LISTEN_FAILED', `cannot listen on ${address.host}:${address.port}: ${error.message}`)));
    server.listen(address.port, address.host, resolve);
  });
  const bound = server.address() as AddressInfo;
  return { url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`, port: bound.port };
}
