import assert from 'node:assert/strict';
import { request } from 'node:http';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostManifest, runningAgent } from '@trueup/testkit';
import { API_TOKEN_FILE, readApiToken } from './api-access.ts';
import type { Agent } from './agent.ts';

/** A detect-only application managing a root-only file: its status diff holds the desired secret. */
const files = { 'app/db.yaml': hostManifest('File', 'db', { path: '/etc/app/db.conf', content: 'password=Hunter2-db-secret\n', mode: '0600' }) };

/** One request with the headers given as they are (fetch would not let a test set Host). */
function call(agent: Agent, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const url = new URL(agent.url ?? '');
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: { host: url.host, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

const bearer = (agent: Agent) => ({ authorization: `Bearer ${agent.token ?? ''}` });

test('the API needs the token from the state dir; without it no file content leaves', async (t) => {
  const { agent, fixture } = await runningAgent(t, { files, automated: false });
  const tokenFile = join(fixture.stateDir, API_TOKEN_FILE);
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  assert.equal(readApiToken(tokenFile), agent.token);
  for (const file of ['state.db', 'state.db-wal', 'state.db-shm']) {
    assert.equal((await stat(join(fixture.stateDir, file))).mode & 0o777, 0o600, `${file}: the statuses hold the same diffs`);
  }

  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${agent.token ?? ''}` }]) {
    const refused = await call(agent, '/api/v1/applications', { headers });
    assert.equal(refused.status, 401, JSON.stringify(headers));
    assert.doesNotMatch(refused.body, /Hunter2/);
    assert.match(refused.body, /AGENT_API_UNAUTHORIZED/);
  }
  assert.equal((await call(agent, '/api/v1/applications/test/refresh', { method: 'POST' })).status, 401);
  assert.equal((await call(agent, '/api/v1/applications/test/sync?mode=apply', { method: 'POST' })).status, 401);

  const allowed = await call(agent, '/api/v1/applications', { headers: bearer(agent) });
  assert.equal(allowed.status, 200);
  assert.match(allowed.body, /Hunter2-db-secret/, 'the owner of the token sees the diff');
  assert.equal((await call(agent, '/api/v1/applications/test/refresh', { method: 'POST', headers: bearer(agent) })).status, 202);
});

test('monitoring needs no token: /healthz, /readyz and /metrics, which hold no file contents', async (t) => {
  const { agent } = await runningAgent(t, { files, automated: false });
  assert.equal((await call(agent, '/healthz')).status, 200);
  assert.equal((await call(agent, '/readyz')).status, 200);
  const metrics = await call(agent, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /trueup_reconcile_total/);
  assert.doesNotMatch(metrics.body, /Hunter2/);
});

test('a foreign Host (DNS rebinding) and cross-site requests are refused, token or not', async (t) => {
  const { agent } = await runningAgent(t, { files, automated: false });
  const port = new URL(agent.url ?? '').port;
  for (const host of [`rebind.attacker.example:${port}`, '127.0.0.1', `127.0.0.1:${Number(port) + 1}`, `10.1.2.3:${port}`]) {
    for (const path of ['/api/v1/applications', '/metrics', '/healthz']) {
      const answer = await call(agent, path, { headers: { host, ...bearer(agent) } });
      assert.equal(answer.status, 403, `${host} ${path}`);
      assert.doesNotMatch(answer.body, /Hunter2/);
    }
  }
  for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`]) {
    assert.equal((await call(agent, '/api/v1/applications', { headers: { host, ...bearer(agent) } })).status, 200, host);
  }
  const crossSite = [{ origin: 'http://attacker.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }];
  for (const headers of crossSite) {
    assert.equal((await call(agent, '/api/v1/applications/test/refresh', { method: 'POST', headers: { ...headers, 'content-type': 'text/plain', ...bearer(agent) } })).status, 403, JSON.stringify(headers));
  }
  assert.equal((await call(agent, '/healthz', { headers: { 'sec-fetch-site': 'none' } })).status, 200, 'typed into the address bar');
});

test('a malformed percent-encoding in the name is a 400, not a 500', async (t) => {
  const { agent } = await runningAgent(t, { files, automated: false });
  const answer = await call(agent, '/api/v1/applications/%E0%A4%A/refresh', { method: 'POST', headers: bearer(agent) });
  assert.equal(answer.status, 400, answer.body);
  assert.match(answer.body, /AGENT_API_BAD_REQUEST/);
  assert.equal((await call(agent, '/api/v1/applications/nope/refresh', { method: 'POST', headers: bearer(agent) })).status, 404);
});

test('sync through the API runs a pass in the mode asked and answers with its status', async (t) => {
  const { agent, fixture } = await runningAgent(t, { files, automated: false });
  const detect = await call(agent, '/api/v1/applications/test/sync?mode=detect', { method: 'POST', headers: bearer(agent) });
  assert.equal(detect.status, 200, detect.body);
  assert.equal((JSON.parse(detect.body) as { sync: string }).sync, 'OutOfSync');
  await assert.rejects(stat(join(fixture.root, 'etc/app/db.conf')), { code: 'ENOENT' });
  const apply = await call(agent, '/api/v1/applications/test/sync?mode=apply&waitHealthyMs=1000', { method: 'POST', headers: bearer(agent) });
  assert.equal((JSON.parse(apply.body) as { sync: string }).sync, 'Synced', apply.body);
  assert.equal((await stat(join(fixture.root, 'etc/app/db.conf'))).mode & 0o777, 0o600);
  assert.equal((await call(agent, '/api/v1/applications/test/sync?mode=prune', { method: 'POST', headers: bearer(agent) })).status, 400);
});
