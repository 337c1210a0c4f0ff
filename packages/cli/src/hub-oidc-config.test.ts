/**
 * `trueup hub --oidc-config FILE` as a process: a bad file stops the hub naming its file, line
 * and field; a good one (with a real provider) starts it with that provider: its name on the login
 * page, its scopes in the authorization request, and a login through it that ends in a session.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HubInfo } from '@trueup/api';
import { freePort } from '@trueup/testkit';
import { startOidcProvider } from '@trueup/testkit/oidc-provider';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, trueup } from './cli-testing.ts';

const MAIN = join(import.meta.dirname, 'main.js');

function get(url: string, ca: string, cookie?: string): Promise<{ status: number; location: string | undefined; cookies: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: cookie === undefined ? {} : { cookie } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, cookies: res.headers['set-cookie'] ?? [], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the hub takes its OpenID Connect provider from a file', async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-oidc-config-cli-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'hub');

  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'issuer: https://idp.example.com\nclientId: trueup\ngroupsRefresh: 1s\n');
  const refused = await trueup(['hub', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--oidc-config', bad]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`${bad}:3: groupsRefresh: must be between 10s and 24h`));
  const both = await trueup(['hub', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--oidc-config', bad, '--oidc-issuer', 'https://x']);
  assert.match(both.stderr, /--oidc-config .* holds the whole provider: drop --oidc-issuer/);
  assert.equal(existsSync(join(dataDir, 'hub.json')), false, 'the hub did not start');

  const provider = await startOidcProvider({ dave: { groups: ['ops'] } });
  defer(() => provider.stop());
  const port = await freePort();
  provider.setClient({ clientId: 'trueup', clientSecret: 'oidc-client-secret', redirectUris: [`https://127.0.0.1:${port}/auth/oidc/callback`] });
  await writeFile(join(dir, 'client.secret'), 'oidc-client-secret\n', { mode: 0o600 });
  const good = join(dir, 'oidc.yaml');
  await writeFile(good, `issuer: ${provider.issuer}\nclientId: trueup\nclientSecretFile: client.secret\nname: Lab SSO\nscopes: [openid, profile, groups]\ngroupsRefresh: 1m\n`);
  const hub = spawn(process.execPath, [MAIN, 'hub', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--oidc-config', good], { stdio: ['ignore', 'ignore', 'pipe'] });
  let hubLog = '';
  hub.stderr.on('data', (chunk: Buffer) => (hubLog += chunk.toString()));
  defer(async () => {
    if (hub.exitCode !== null) return;
    const exited = new Promise((resolve) => hub.once('exit', resolve));
    hub.kill('SIGTERM');
    await exited;
  });
  const info = await eventually('hub.json', async () => (existsSync(join(dataDir, 'hub.json')) ? JSON.parse(await readFile(join(dataDir, 'hub.json'), 'utf8')) as HubInfo : undefined))
    .catch((error: unknown) => assert.fail(`${String(error)}\nhub: ${hubLog}`));
  const ca = await readFile(info.caCertFile, 'utf8');
  assert.deepEqual(JSON.parse((await get(`${info.url}/api/v1/auth/providers`, ca)).body), { password: true, oidc: { name: 'Lab SSO', loginUrl: '/auth/oidc/login' } });
  const start = await get(`${info.url}/auth/oidc/login`, ca);
  assert.equal(new URL(start.location ?? '').searchParams.get('scope'), 'openid profile groups');
  const callback = new URL(await provider.signIn(start.location ?? '', 'dave'));
  const state = start.cookies.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('trueup_oidc_state=')) ?? '';
  const back = await get(`${info.url}${callback.pathname}${callback.search}`, ca, state);
  assert.equal(back.status, 302, back.body);
  const session = back.cookies.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('trueup_session=')) ?? '';
  const me = await get(`${info.url}/api/v1/whoami`, ca, session);
  assert.deepEqual((JSON.parse(me.body) as { subject: string; groups: string[] }).groups, ['ops']);
});
