/**
 * What the hub asks of a real host agent beyond refresh and sync, through the CLI and the API:
 * pause and resume of self-heal (of the application and of one object), kept across an agent
 * restart; sync with and without prune, and a dry run that answers its plan; the spec and the
 * commit as the agent loaded them; objects read on demand with secret values redacted; and a
 * clear 503 for a read while the agent is offline.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Agent } from '@trueup/agent';
import type { ApplicationDetailBody, ApplicationStatus, ResourceChildrenBody, ResourceDetailBody } from '@trueup/api';
import { HubApiError } from '@trueup/hub';
import type { LedgerEntry } from '@trueup/store';
import { hostManifest } from '@trueup/testkit';
import { eventually, trueupWithoutHubEnv } from './cli-testing.ts';
import { hubWithHostAgent } from './hub-agent-testing.ts';

const SECRET = 'hunter2-secret-value';

const files = (motd: string, withExtra: boolean): Record<string, string> => ({
  'app/files.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content: motd })
    + hostManifest('Command', 'hello', { run: 'false', unless: 'true', env: { TOKEN: SECRET } })
    + (withExtra ? hostManifest('File', 'extra', { path: '/etc/extra', content: 'extra\n' }) : ''),
});

test('pause, resume, prune, dry run, spec, commit and object reads of a host agent through the hub', async (t) => {
  const { defer, client, fixture, hubArgs: hub, startJoinedAgent: start } = await hubWithHostAgent(t, files('one\n', true));
  let agent: Agent = await start();
  let running = true;
  defer(() => (running ? agent.stop({ stopServices: true }) : undefined));
  const APP = '/api/v1/environments/prod/applications/test';
  const detail = (): Promise<ApplicationDetailBody & { status: ApplicationStatus }> => client.get(APP);
  const motd = join(fixture.root, 'etc/motd');

  // The spec and the commit, as the agent loaded them from Git.
  const synced = await eventually('the application at the hub', async () => ((await detail()).sync === 'Synced' ? detail() : undefined));
  assert.equal((synced.spec?.source as { path?: string } | undefined)?.path, 'app');
  assert.deepEqual((synced.spec?.syncPolicy as { automated?: unknown } | undefined)?.automated, { prune: true, selfHeal: true, allowEmpty: false }, 'as loaded: defaults filled in');
  assert.equal(synced.revisionInfo?.sha, synced.revision);
  assert.equal(synced.revisionInfo?.message, 'initial');
  assert.match(synced.revisionInfo?.author ?? '', /^.+ <.*>$/);
  assert.ok(!Number.isNaN(Date.parse(synced.revisionInfo?.authoredAt ?? '')));
  assert.equal(synced.selfHeal, undefined);

  // An object read on demand: live and desired, the Command's env values redacted on both sides.
  const commandKey = encodeURIComponent('host.trueup.dev/v1alpha1/Command//hello');
  const read = await client.get<ResourceDetailBody>(`${APP}/resources/${commandKey}`);
  assert.equal(read.key, 'host.trueup.dev/v1alpha1/Command//hello');
  assert.equal(read.sync, 'Synced');
  assert.equal(read.diff, '');
  assert.deepEqual((read.desired?.spec as { env?: unknown }).env, { TOKEN: `<redacted: ${SECRET.length} bytes>` });
  assert.ok(!JSON.stringify(read).includes(SECRET), 'no secret value leaves the agent');
  const children = await client.get<ResourceChildrenBody>(`${APP}/resources/${commandKey}/children`);
  assert.deepEqual(children.items, [], 'host objects own nothing');
  await assert.rejects(client.get(`${APP}/resources/${encodeURIComponent('host.trueup.dev/v1alpha1/File//nope')}`), (error) => error instanceof HubApiError && error.status === 404);

  // Paused: a hand edit is reported (OutOfSync, drift in the ledger) and not healed, even by a pass.
  const paused = await trueupWithoutHubEnv(['pause', 'prod/test', ...hub]);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /self-heal paused for the application/);
  await writeFile(motd, 'by hand\n');
  await fixture.waitFor((e) => e.type === 'drift-detected');
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'by hand\n');
  const outOfSync = await eventually('OutOfSync and paused at the hub', async () => {
    const d = await detail();
    return d.sync === 'OutOfSync' && d.selfHeal?.state === 'paused' ? d : undefined;
  });
  assert.equal(outOfSync.selfHeal?.pause?.by, 'token:admin');
  const shown = await trueupWithoutHubEnv(['status', 'prod/test', ...hub]);
  assert.match(shown.stdout, /^commit \w{12} by .+ at \S+: initial$/m);
  assert.match(shown.stdout, /^self-heal paused by token:admin at \S+$/m);
  const local = await trueupWithoutHubEnv(['status', '--state-dir', fixture.stateDir]);
  assert.match(local.stdout, /OutOfSync .*self-heal paused by token:admin/);
  assert.equal(outOfSync.status.resources.find((r) => r.name === 'motd')?.sync, 'OutOfSync');
  const drift = await client.get<ResourceDetailBody>(`${APP}/resources/${encodeURIComponent('host.trueup.dev/v1alpha1/File//motd')}`);
  assert.equal(drift.sync, 'OutOfSync');
  assert.match(drift.diff, /-.*by hand[\s\S]*\+.*one/);
  assert.equal((drift.live?.spec as { content?: string }).content, 'by hand\n');

  // The pause is kept in the agent's state: it holds across a restart.
  await agent.stop();
  running = false;
  agent = await start();
  running = true;
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'by hand\n', 'still paused after a restart');
  assert.equal(agent.applications()[0]?.selfHeal?.pause?.by, 'token:admin');

  // Resumed: healed at once, before the command answers.
  const resumed = await trueupWithoutHubEnv(['resume', 'prod/test', ...hub]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /self-heal resumed for the application: Synced, Healthy/);
  assert.equal(await readFile(motd, 'utf8'), 'one\n');
  await eventually('no pause at the hub', async () => ((await detail()).selfHeal === undefined ? true : undefined));

  // One object paused: the others heal, it does not.
  const motdKey = 'host.trueup.dev/v1alpha1/File//motd';
  assert.equal((await trueupWithoutHubEnv(['pause', 'prod/test', '--object', motdKey, ...hub])).code, 0);
  const unknown = await trueupWithoutHubEnv(['pause', 'prod/test', '--object', 'v1/ConfigMap/x/y', ...hub]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stdout, /AGENT_OBJECT_UNKNOWN/);
  await writeFile(motd, 'again by hand\n');
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'again by hand\n');
  assert.deepEqual(agent.applications()[0]?.selfHeal?.objects.map((o) => o.object), [motdKey]);
  assert.equal(agent.applications()[0]?.selfHeal?.state, 'active');
  assert.equal((await trueupWithoutHubEnv(['resume', 'prod/test', '--object', motdKey, ...hub])).code, 0);
  assert.equal(await readFile(motd, 'utf8'), 'one\n');

  // The same against the agent's own loopback API, without a hub.
  const localPause = await trueupWithoutHubEnv(['pause', 'test', '--state-dir', fixture.stateDir]);
  assert.equal(localPause.code, 0, localPause.stderr);
  assert.match(localPause.stdout, /^test: self-heal paused for the application: Synced, Healthy\n$/);
  assert.equal(agent.applications()[0]?.selfHeal?.pause?.by, 'local API');
  await writeFile(motd, 'locally by hand\n');
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'locally by hand\n');
  assert.equal((await trueupWithoutHubEnv(['resume', 'test', '--state-dir', fixture.stateDir])).code, 0);
  assert.equal(await readFile(motd, 'utf8'), 'one\n');

  // The ledger says who paused and resumed what.
  const ledger = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?environment=prod&kind=command-requested&limit=100&order=asc');
  assert.deepEqual(ledger.items.filter((e) => e.details.verb === 'pause').map((e) => [e.actor, e.details.object ?? null]), [['token:admin', null], ['token:admin', motdKey], ['token:admin', 'v1/ConfigMap/x/y']]);

  // A new commit drops a file: a dry run plans, --no-prune keeps it, --prune removes it.
  const extra = join(fixture.root, 'etc/extra');
  assert.ok(existsSync(extra));
  const second = await fixture.commit(files('two\n', false), 'motd two, no extra\n\nThe body says why.');
  const planned = await trueupWithoutHubEnv(['sync', 'prod/test', '--dry-run', '--no-prune', ...hub]);
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(planned.stdout, /compared \(dry run, 1 change planned\)/);
  assert.match(planned.stdout, /update +host\.trueup\.dev\/v1alpha1\/File\/\/motd \(spec\.content\)/);
  assert.equal(await readFile(motd, 'utf8'), 'one\n', 'a dry run changes nothing');
  const withPrune = await client.post<{ result?: { plan?: { object: string; action: string }[] } }>(`${APP}/sync?wait=true&dryRun=true&prune=true`);
  assert.deepEqual(withPrune.result?.plan?.map((c) => [c.action, c.object]), [['update', motdKey], ['delete', 'host.trueup.dev/v1alpha1/File//extra']]);
  const noPrune = await trueupWithoutHubEnv(['sync', 'prod/test', '--no-prune', ...hub]);
  assert.equal(await readFile(motd, 'utf8'), 'two\n');
  assert.match(noPrune.stdout, /synced at/);
  assert.ok(existsSync(extra), 'kept without prune');
  assert.equal((await trueupWithoutHubEnv(['sync', 'prod/test', '--prune', ...hub])).code, 0);
  assert.ok(!existsSync(extra), 'pruned');
  const after = await eventually('the new commit at the hub', async () => ((await detail()).revisionInfo?.sha === second ? detail() : undefined));
  assert.equal(after.revisionInfo?.message, 'motd two, no extra\n\nThe body says why.');

  // Offline: a read answers 503 with since when, at once.
  await agent.stop();
  running = false;
  await eventually('the agent shown offline', async () => ((await client.get<{ items: { connected: boolean }[] }>('/api/v1/environments')).items[0]?.connected === false ? true : undefined));
  await assert.rejects(client.get(`${APP}/resources/${encodeURIComponent(motdKey)}`), (error) => error instanceof HubApiError && error.status === 503 && error.code === 'HUB_AGENT_OFFLINE' && /^agent offline since \d{4}-/.test(error.message));
});
