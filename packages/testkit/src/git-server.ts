/**
 * A Git smart-HTTP server for tests: node:http on 127.0.0.1 (random port) in front of the real
 * `git http-backend`, run as CGI, with optional HTTP Basic authentication.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GIT_TEST_ENV } from './git-repo.ts';

export interface GitHttpServerOptions {
  /** Folder holding the served bare repositories (GIT_PROJECT_ROOT). */
  root: string;
  /** With `password`: the only credentials accepted. Without: no authentication. */
  username?: string;
  password?: string;
}

export interface GitHttpServer {
  port: number;
  /** `http://127.0.0.1:PORT/<repoName>`. */
  url(repoName: string): string;
  /** `METHOD /path?query STATUS` of every request, in order. */
  readonly requests: string[];
  /** Every request with its User-Agent, in order (the same requests as `requests`). */
  readonly log: readonly GitRequest[];
  close(): Promise<void>;
}

export interface GitRequest {
  method: string;
  url: string;
  status: number;
  userAgent: string;
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: string[] = [];
  const log: GitRequest[] = [];
  const server = createServer((req, res) => {
    const record = (status: number): void => {
      requests.push(`${req.method ?? ''} ${req.url ?? ''} ${status}`);
      log.push({ method: req.method ?? '', url: req.url ?? '', status, userAgent: req.headers['user-agent'] ?? '' });
    };
    if (!authorized(req, options)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="trueup-test", charset="UTF-8"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      record(401);
      return;
    }
    runBackend(req, res, options.root, record);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (repoName) => `http://127.0.0.1:${port}/${repoName.replace(/^\/+/, '')}`,
    requests,
    log,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function authorized(req: IncomingMessage, options: GitHttpServerOptions): boolean {
  if (options.username === undefined && options.password === undefined) return true;
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (match?.[1] === undefined) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon !== -1 && decoded.slice(0, colon) === (options.username ?? '') && decoded.slice(colon + 1) === (options.password ?? '');
}

function runBackend(req: IncomingMessage, res: ServerResponse, root: string, record: (status: number) => void): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...GIT_TEST_ENV };
  Object.assign(env, {
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: remoteUser(req),
  });
  if (req.headers['content-type'] !== undefined) env['CONTENT_TYPE'] = req.headers['content-type'];
  if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
  // Every other header as HTTP_*, as CGI servers do: Content-Encoding (gzip bodies), Git-Protocol (v2).
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'content-type' || name === 'content-length' || value === undefined) continue;
    env[`HTTP_${name.toUpperCase().replaceAll('-', '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-8192); });
  child.stdin.on('error', () => undefined);
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (end === undefined) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString('latin1'));
    res.writeHead(status, headers);
    record(status);
    headersSent = true;
    res.write(head.subarray(end.index + end.length));
  });
  child.on('error', (error) => {
    if (!headersSent) res.writeHead(500).end(`cannot run git http-backend: ${error.message}\n`);
    headersSent = true;
  });
  child.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git http-backend exited with ${code ?? 'a signal'}: ${stderr}\n`);
      record(500);
    } else {
      res.end();
    }
  });
}

function remoteUser(req: IncomingMessage): string {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8').split(':')[0] ?? '';
}

function headerEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, length: 4 };
  return lf === -1 ? undefined : { index: lf, length: 2 };
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
