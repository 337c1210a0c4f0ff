/** One run of a Service's health check: an HTTP GET, a TCP connect or a command, with a timeout. */
import { connect } from 'node:net';
import { parseDuration, type HealthCheck } from '@trueup/api';
import { runCommand } from './run-command.ts';

/**
 * `node:http` through the builtin loader, not an ES import: the ES module facade reads every export,
 * and its lazy `WebSocket`, `CloseEvent` and `MessageEvent` load undici (fetch) with http2, TLS
 * and zlib, which the agent never uses: ~5 MiB resident once no module of the agent imports
 * `node:http` as an ES module.
 */
const { request } = process.getBuiltinModule('node:http');

export interface CheckResult {
  healthy: boolean;
  message?: string;
}

export interface ExecContext {
  env: Record<string, string>;
  cwd: string;
}

export function checkTimings(check: HealthCheck): { intervalMs: number; timeoutMs: number; startPeriodMs: number } {
  return {
    intervalMs: parseDuration(check.interval) ?? 5000,
    timeoutMs: parseDuration(check.timeout) ?? 2000,
    startPeriodMs: parseDuration(check.startPeriod) ?? 30_000,
  };
}

export async function runHealthCheck(check: HealthCheck, exec: ExecContext): Promise<CheckResult> {
  const { timeoutMs } = checkTimings(check);
  if (check.http !== undefined) return httpCheck(check.http.host, check.http.port, check.http.path, timeoutMs);
  if (check.tcp !== undefined) return tcpCheck(check.tcp.host, check.tcp.port, timeoutMs);
  if (check.exec !== undefined) {
    const result = await runCommand({ command: check.exec.command, env: exec.env, cwd: exec.cwd, timeoutMs });
    if (result.exitCode === 0) return { healthy: true };
    const why = result.error ?? (result.timedOut ? `timed out after ${check.timeout}` : `exited with code ${result.exitCode ?? 'unknown'}`);
    return { healthy: false, message: `health check command ${why}` };
  }
  return { healthy: false, message: 'no health check configured' };
}

function httpCheck(host: string, port: number, path: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? { healthy: true } : { healthy: false, message: `GET ${path} answered ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', (error) => resolve({ healthy: false, message: `GET ${path}: ${error.message}` }));
    req.end();
  });
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ healthy: true });
    });
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${timeoutMs}ms`)));
    socket.once('error', (error) => resolve({ healthy: false, message: `connect ${host}:${port}: ${error.message}` }));
  });
}
