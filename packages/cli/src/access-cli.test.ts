/**
 * Access from the command line, as processes against a real hub and a real OIDC provider:
 * `trueup hub users|projects|roles|tokens`, `trueup login` (password and OIDC loopback flow),
 * `status --hub` with the saved token and no TRUEUP_TOKEN, and `trueup logout`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HubInfo } from '@trueup/api';
import { freePort } from '@trueup/testkit';
import { startOidcProvider } from '@trueup/testkit/oidc-provider';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually, trueupWith } from './cli-testing.ts';

const MAIN = join(import.meta.dirname, 'main.js');
const CLEAN = { TRUEUP_TOKEN: '', TRUEUP_HUB: '', TRUEUP_CA_FILE: '' };

/** `trueup` with no hub, token or CA from this process's environment: only `env` and the flags. */
const cli = (args: string[], options: { env?: Record<string, string>; input?: string } = {}) => trueupWith({ ...CLEAN, ...options.env }, args, options.input === undefined ? {} : { input: options.input });

function get(url: string, ca: string, cookie?: string): Promise<{ status: number; location: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: cookie === undefined ? {} : { cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? '', cookies: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('access from the command line: users, projects, roles, tokens, login and logout', async (t) => {
  const defer = lastInFirstOut(t);
  const dir = await mkdtemp(join(tmpdir(), 'trueup-access-cli-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const provider = await startOidcProvider({ dave: { name: 'Dave', groups: ['ops'] } });
  defer(() => provider.stop());
  const dataDir = join(dir, 'hub');
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  provider.setClient({ clientId: 'trueup', clientSecret: 'oidc-client-secret', redirectUris: [`${url}/auth/oidc/callback`] });
  await writeFile(join(dir, 'client-secret'), 'oidc-client-secret\n', { mode: 0o600 });
  const hub: ChildProcess = spawn(process.execPath, [MAIN, 'hub', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--oidc-issuer', provider.issuer, '--oidc-client-id', 'trueup', '--oidc-client-secret-file', join(dir, 'client-secret')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let hubLog = '';
  hub.stderr?.on('data', (chunk: Buffer) => (hubLog += chunk.toString()));
  defer(async () => {
    if (hub.exitCode !== null) return;
    const exited = new Promise((resolve) => hub.once('exit', resolve));
    hub.kill('SIGTERM');
    await exited;
  });
  const info = await eventually('hub.json', async () => (existsSync(join(dataDir, 'hub.json')) ? JSON.parse(await readFile(join(dataDir, 'hub.json'), 'utf8')) as HubInfo : undefined));
  const ca = await readFile(info.caCertFile, 'utf8');
  const caSha256 = createHash('sha256').update(new X509Certificate(ca).raw).digest('hex');
  const local = ['--data-dir', dataDir];
  const ok = async (args: string[], options: Parameters<typeof cli>[1] = {}): Promise<string> => {
    const run = await cli(args, options);
    assert.equal(run.code, 0, `trueup ${args.join(' ')}: ${run.stderr}\n${hubLog}`);
    return run.stdout;
  };

  // The admin (the local hub's admin token) sets up users, a project and grants.
  await ok(['hub', 'users', 'add', 'alice', '--password-stdin', '--group', 'team', ...local], { input: 'alice-password-long\n' });
  await ok(['hub', 'users', 'add', 'ci', ...local]);
  await ok(['hub', 'projects', 'create', 'prod', '--env', 'prod', '--env', 'prod-*', '--app', '*', ...local]);
  await ok(['hub', 'roles', 'create', 'deployer', '--verb', 'get', '--verb', 'sync', ...local]);
  await ok(['hub', 'roles', 'grant', 'deployer', '--project', 'prod', '--group', 'team', ...local]);
  await ok(['hub', 'roles', 'grant', 'viewer', '--project', '*', '--group', 'ops', ...local]);
  const users = JSON.parse(await ok(['hub', 'users', 'list', '-o', 'json', ...local])) as { users: { name: string; groups: string[] }[] };
  assert.deepEqual(users.users.map((u) => [u.name, u.groups]), [['alice', ['team']], ['ci', []]]);
  const project = JSON.parse(await ok(['hub', 'projects', 'show', 'prod', '-o', 'json', ...local])) as { environments: string[]; grants: { subject: string; role: string }[] };
  assert.deepEqual(project.environments, ['prod', 'prod-*']);
  assert.deepEqual(project.grants, [{ subjectKind: 'group', subject: 'team', role: 'deployer' }]);
  assert.match(await ok(['hub', 'roles', 'list', ...local]), /deployer\s+custom\s+get,sync/);
  const ciToken = (await ok(['hub', 'tokens', 'create', '--name', 'pipeline', '--user', 'ci', '--ttl', '90d', ...local])).trim();
  assert.match(ciToken, /^tut\./);
  const bad = await cli(['hub', 'roles', 'grant', 'viewer', '--project', 'prod', ...local]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /exactly one of --user U and --group G/);

  // alice logs in with her password; later commands find the saved token and the pinned CA.
  const config = join(dir, 'config-alice');
  const alice = { XDG_CONFIG_HOME: config };
  const wrong = await cli(['login', '--hub', url, '--ca-file', info.caCertFile, '--username', 'alice', '--password-stdin'], { env: alice, input: 'not-the-password\n' });
  assert.notEqual(wrong.code, 0);
  assert.equal(existsSync(join(config, 'trueup', 'hubs.json')), false);
  await ok(['login', '--hub', url, '--ca-file', info.caCertFile, '--username', 'alice', '--password-stdin'], { env: alice, input: 'alice-password-long\n' });
  const saved = join(config, 'trueup', 'hubs.json');
  assert.equal((await stat(saved)).mode & 0o777, 0o600);
  const hubs = JSON.parse(await readFile(saved, 'utf8')) as { hubs: Record<string, { token: string; subject: string; caSha256: string }> };
  assert.deepEqual([hubs.hubs[url]?.subject, hubs.hubs[url]?.caSha256], ['user:alice', caSha256]);
  assert.equal((JSON.parse(await ok(['status', '--hub', url, '-o', 'json'], { env: alice })) as { applications: unknown[] }).applications.length, 0);
  const mine = JSON.parse(await ok(['hub', 'tokens', 'list', '--hub', url, '-o', 'json'], { env: alice })) as { tokens: { name: string; owner: string }[] };
  assert.deepEqual(mine.tokens.map((k) => k.owner), ['user:alice']);
  const refused = await cli(['hub', 'users', 'list', '--hub', url], { env: alice });
  assert.notEqual(refused.code, 0, 'alice holds no users verb');

  // dave logs in through the provider: the CLI's loopback listener receives the code.
  const daveEnv = { XDG_CONFIG_HOME: join(dir, 'config-dave') };
  const login = spawn(process.execPath, [MAIN, 'login', '--hub', url, '--ca-sha256', caSha256, '--oidc'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...CLEAN, ...daveEnv } });
  let loginErr = '';
  login.stderr.on('data', (chunk: Buffer) => (loginErr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => login.once('close', resolve));
  const start = await eventually('the login URL', async () => /https:\/\/\S+\/auth\/oidc\/login\?\S+/.exec(loginErr)?.[0]);
  const toProvider = await get(start, ca);
  assert.equal(toProvider.status, 302);
  const state = toProvider.cookies.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('trueup_oidc_state=')) ?? '';
  const callback = await provider.signIn(toProvider.location, 'dave');
  const toCli = await get(callback, ca, state);
  assert.equal(toCli.status, 302);
  assert.match(toCli.location, /^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
  assert.equal((await fetch(toCli.location)).status, 200);
  assert.equal(await exited, 0, loginErr);
  assert.match(loginErr, /Logged in to .* as oidc:dave/);
  assert.equal((JSON.parse(await ok(['status', '--hub', url, '-o', 'json'], { env: daveEnv })) as { applications: unknown[] }).applications.length, 0);
  await assert.rejects(fetch(toCli.location), 'the listener is gone');

  // logout revokes the token at the hub and forgets it here.
  const daveToken = (JSON.parse(await readFile(join(dir, 'config-dave', 'trueup', 'hubs.json'), 'utf8')) as typeof hubs).hubs[url]?.token ?? '';
  await ok(['logout', '--hub', url], { env: daveEnv });
  const after = await cli(['status', '--hub', url], { env: daveEnv });
  assert.notEqual(after.code, 0);
  assert.match(after.stderr, /trueup login --hub/);
  const revoked = await cli(['status', '--hub', url], { env: { ...daveEnv, TRUEUP_TOKEN: daveToken, TRUEUP_CA_FILE: info.caCertFile } });
  assert.notEqual(revoked.code, 0, 'the token was revoked at the hub');

  // Disabling a user ends their tokens at once.
  await ok(['hub', 'users', 'disable', 'alice', ...local]);
  assert.notEqual((await cli(['status', '--hub', url], { env: alice })).code, 0);
  const ledger = JSON.parse(await ok(['history', '--hub', url, '-o', 'json', 'prod'], { env: { TRUEUP_TOKEN: (await readFile(info.adminTokenFile, 'utf8')).trim(), TRUEUP_CA_FILE: info.caCertFile } })) as { events: unknown[] };
  assert.ok(Array.isArray(ledger.events));
});
