/**
 * ADR 30: a push reaches an agent that announced source-moved as one frame (one ledger entry for
 * the push, no stored command), an agent away during the push refreshes when it links again,
 * and an agent that did not announce it still gets a refresh command per application.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { joinHub, SqliteOutbox } from '@trueup/agent/hub-link';
import type { ApplicationStatus, LinkCommand } from '@trueup/api';
import { LinkClient } from '@trueup/link';
import type { LedgerEntry, LedgerPage } from '@trueup/store';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { startConnectProxy } from '@trueup/testkit/connect-proxy';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { HubClient } from './client.ts';
import { eventually } from '@trueup/testkit/eventually';


const motdFile = (content: string): Record<string, string> => ({ 'app/f.yaml': hostManifest('File', 'motd', { path: '/etc/motd', content }) });

test('a push: one source-moved frame to an agent that announced it, a catch-up after being away, commands to one that did not', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const { client } = testHub;
  const proxy = await startConnectProxy();
  defer(() => proxy.close());
  const fixture = await agentFixture({ files: motdFile('one\n') });
  defer(() => fixture.cleanup());
  const tokenFile = join(fixture.dir, 'token');
  await writeFile(tokenFile, (await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' })).token);
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile, proxy: proxy.url } });
  defer(() => agent.stop());
  const APP = '/api/v1/environments/edge/applications/test';
  const revisionAtHub = async (): Promise<string> => (await client.get<{ revision: string }>(APP)).revision;
  await eventually('the application at the hub', async () => ((await client.get<{ sync: string }>(APP)).sync === 'Synced' ? true : undefined));

  // An agent that does not announce source-moved (an older agent): the link client without the
  // handler, reporting the same application, so it follows the same repository and ref.
  const oldDir = join(fixture.dir, 'old-agent');
  const oldToken = join(fixture.dir, 'old-token');
  await writeFile(oldToken, (await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'old' })).token);
  const credential = await joinHub(oldDir, oldToken);
  const oldStatus = agent.applications()[0] as ApplicationStatus;
  const outbox = new SqliteOutbox(oldDir, () => [oldStatus]);
  const commands: LinkCommand[] = [];
  const old = new LinkClient({ ...credential, agentVersion: 'old', outbox, onCommand: (command) => Promise.resolve(void commands.push(command)).then(() => ({ ok: true, message: 'refreshed' })) });
  old.start();
  defer(async () => {
    await old.stop();
    outbox.close();
  });
  await eventually('the old agent\'s application at the hub', async () => ((await client.get<{ revision: string }>('/api/v1/environments/old/applications/test')).revision === oldStatus.revision ? true : undefined));

  const secret = (await readFile(testHub.hub.info.webhookSecretFile ?? '', 'utf8')).trim();
  const webhooks = new HubClient({ url: testHub.hub.url, token: secret, ca: testHub.hub.tls.ca });
  const push = (after: string): Promise<{ refreshed: { environment: string; application: string; command?: string }[] }> => webhooks.post('/api/v1/webhooks/git', { repoURL: fixture.repoURL, ref: 'refs/heads/main', after });
  const entries = async (query: string): Promise<LedgerEntry[]> => (await client.get<LedgerPage>(`/api/v1/events?${query}&order=asc&limit=500`)).items;

  // Linked: the webhook tells the agent with one frame; it passes at once (its interval is an hour).
  const second = await fixture.commit(motdFile('two\n'));
  const hook = await push(second);
  assert.deepEqual(hook.refreshed.map((r) => [r.environment, r.application, r.command === undefined]), [['edge', 'test', true], ['old', 'test', false]]);
  await eventually('the pushed revision at the hub', async () => ((await revisionAtHub()) === second ? true : undefined));
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'two\n');
  const moved = await entries('kind=source-moved');
  assert.equal(moved.length, 1, 'one ledger entry for the push');
  assert.deepEqual({ ...moved[0]?.details }, { repoURL: fixture.repoURL, ref: 'refs/heads/main', revision: second, applications: 2, agentsTold: 1, signalled: 0, commands: 1, away: 0 });
  assert.equal(moved[0]?.actor, 'webhook:plain');
  assert.deepEqual((await entries('kind=command-requested&environment=edge')).length, 0, 'nothing stored for the agent told by the frame');
  assert.deepEqual((await entries('kind=command-requested&environment=old')).map((e) => e.application), ['test']);
  await eventually('the old agent\'s refresh command', async () => (commands.some((c) => c.verb === 'refresh' && c.application === 'test') ? true : undefined));
  const sync = (await entries('kind=sync&environment=edge')).find((e) => e.details.revision === second);
  assert.equal(sync?.details.trigger, 'refresh');

  // Away during the push: nothing is stored for it, and it refreshes once linked again.
  proxy.refuse(true);
  proxy.cut();
  await eventually('the agent away at the hub', async () => ((await client.get<{ items: { name: string; connected: boolean }[] }>('/api/v1/environments')).items.find((e) => e.name === 'edge')?.connected === false ? true : undefined));
  const third = await fixture.commit(motdFile('three\n'));
  const away = await push(third);
  assert.deepEqual(away.refreshed.map((r) => [r.environment, r.command === undefined]), [['edge', true], ['old', false]]);
  const movedAway = (await entries('kind=source-moved')).at(-1);
  assert.deepEqual([movedAway?.details.agentsTold, movedAway?.details.away, movedAway?.details.commands], [0, 1, 1]);
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'two\n', 'not applied while away (its interval is an hour)');
  proxy.refuse(false);
  await eventually('the revision pushed while away, at the hub', async () => ((await revisionAtHub()) === third ? true : undefined));
  assert.equal(await readFile(join(fixture.root, 'etc/motd'), 'utf8'), 'three\n');
  assert.deepEqual((await entries('kind=command-requested&environment=edge')).length, 0);
});
