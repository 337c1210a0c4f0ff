import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { refusal, type ApiAccess } from './api-access.ts';

const token = 'a-token-of-the-agent';
/** Only the headers matter to `refusal`. */
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const statusOf = (access: ApiAccess, headers: Record<string, string>, needsToken = true) => refusal(request({ authorization: `Bearer ${token}`, ...headers }), access, needsToken)?.status ?? 200;

test('Host: loopback names with the port; IP literals too only when listening beyond loopback was asked for', () => {
  const loopback: ApiAccess = { token, port: 7171, nonLoopback: false };
  const wide: ApiAccess = { ...loopback, nonLoopback: true };
  const table: [string, number, number][] = [
    ['127.0.0.1:7171', 200, 200],
    ['localhost:7171', 200, 200],
    ['LOCALHOST:7171', 200, 200],
    ['[::1]:7171', 200, 200],
    ['127.0.0.1:7172', 403, 403],
    ['127.0.0.1', 403, 403],
    ['10.1.2.3:7171', 403, 200],
    ['[fd00::1]:7171', 403, 200],
    ['rebind.attacker.example:7171', 403, 403],
    ['localhost.attacker.example:7171', 403, 403],
    ['', 403, 403],
  ];
  for (const [host, onLoopback, onWide] of table) {
    assert.equal(statusOf(loopback, { host }), onLoopback, `${host} on loopback`);
    assert.equal(statusOf(wide, { host }), onWide, `${host} beyond loopback`);
  }
});

test('the token is needed under /api/, compared whole', () => {
  const access: ApiAccess = { token, port: 7171, nonLoopback: false };
  const host = '127.0.0.1:7171';
  assert.equal(refusal(request({ host }), access, true)?.status, 401);
  assert.equal(refusal(request({ host }), access, false), undefined);
  for (const authorization of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Bearer  ${token}`, token, `bearer ${token}`]) {
    assert.equal(refusal(request({ host, authorization }), access, true)?.status, authorization === `bearer ${token}` ? undefined : 401, authorization);
  }
});

test('cross-site requests are refused; same-origin and typed-in ones pass', () => {
  const access: ApiAccess = { token, port: 7171, nonLoopback: false };
  const host = '127.0.0.1:7171';
  assert.equal(statusOf(access, { host, origin: 'http://127.0.0.1:7171' }), 200);
  assert.equal(statusOf(access, { host, origin: 'http://localhost:7171' }), 403);
  assert.equal(statusOf(access, { host, origin: 'null' }), 403);
  assert.equal(statusOf(access, { host, 'sec-fetch-site': 'same-origin' }), 200);
  assert.equal(statusOf(access, { host, 'sec-fetch-site': 'none' }), 200);
  assert.equal(statusOf(access, { host, 'sec-fetch-site': 'same-site' }), 403);
  assert.equal(statusOf(access, { host, 'sec-fetch-site': 'cross-site' }), 403);
});
