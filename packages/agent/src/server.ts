/** The agent's loopback listener: status JSON, refresh, health, readiness and metrics. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApplicationStatus } from '@trueup/api';
import { AgentErrors } from './errors.ts';

/** Through the builtin loader, not an ES import, which would load undici for nothing (packages/host/src/health-check.ts says why). */
const { createServer } = process.getBuiltinModule('node:http');

export interface AgentApi {
  statuses(): ApplicationStatus[];
  /** Starts a pass now; resolves after it when `wait`. */
  refresh(name: string): Promise<ApplicationStatus> | undefined;
  ready(): boolean;
  metrics(): string;
}

const REFRESH = /^\/api\/v1\/applications\/([^/]+)\/refresh$/;

export function createAgentServer(api: AgentApi): Server {
  return createServer((request, response) => {
    void route(api, request, response).catch((error: unknown) => send(response, 500, { error: String(error) }));
  });
}

async function route(api: AgentApi, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://agent');
  const refresh = REFRESH.exec(url.pathname);
  if (request.method === 'POST' && refresh !== null) {
    const name = decodeURIComponent(refresh[1] ?? '');
    const pass = api.refresh(name);
    if (pass === undefined) {
      send(response, AgentErrors.AGENT_APPLICATION_NOT_FOUND.httpStatus, { code: 'AGENT_APPLICATION_NOT_FOUND', message: `no application "${name}"` });
      return;
    }
    if (url.searchParams.get('wait') === 'true') send(response, 200, await pass);
    else send(response, 202, { accepted: name });
    return;
  }
  if (request.method !== 'GET') return send(response, 405, { error: 'method not allowed' });
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
      return send(response, 404, { error: 'not found' });
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
}

function sendText(response: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  response.writeHead(status, { 'content-type': type }).end(body);
}

/** Listens on `host:port` (port 0 picks one); resolves with the URL. */
export async function listen(server: Server, address: string): Promise<string> {
  const [host = '127.0.0.1', port = '0'] = address.includes(':') ? address.split(/:(?=[^:]*$)/) : ['127.0.0.1', address];
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(AgentErrors.create('AGENT_LISTEN_FAILED', `cannot listen on ${address}: ${error.message}`)));
    server.listen(Number(port), host, resolve);
  });
  const bound = server.address() as AddressInfo;
  return `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
}
