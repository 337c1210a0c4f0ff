/**
 * `trueup adopt` against a real hub, a real Git server and a real host agent joined to it: a hand
 * fix of one field is committed into the file and line the object came from (only that line
 * changes), the agent applies the commit and heals nothing back, and self-heal resumes. Refusals
 * (an object not in the application, a field its file does not set) leave nothing paused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { ApplicationDetailBody, ResourceDetailBody } from '@trueup/api';
import type { LedgerEntry } from '@trueup/store';
import { eventually, trueupWithoutHubEnv } from './cli-testing.ts';
import { hubWithHostAgent } from './hub-agent-testing.ts';

const run = promisify(execFile);

const FILES = `# files of the web tier
---
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: motd
spec:
  path: /etc/motd
  content: "one"   # the banner
---
apiVersion: host.trueup.dev/v1alpha1
kind: File
metadata:
  name: other
spec:
  path: /etc/other
  content: 'keep'
`;

test('a hand fix adopted into the tracked branch through the hub (--branch main): one line changes, the agent heals nothing back, self-heal resumes', async (t) => {
  const { defer, client, fixture, hubArgs: hub, startJoinedAgent } = await hubWithHostAgent(t, { 'app/files.yaml': FILES });
  const agent = await startJoinedAgent();
  defer(() => agent.stop({ stopServices: true }));
  const APP = '/api/v1/environments/prod/applications/test';
  const detail = (): Promise<ApplicationDetailBody> => client.get(APP);
  await eventually('the application synced at the hub', async () => ((await detail()).sync === 'Synced' ? true : undefined));
  const bare = new URL(fixture.repoURL).pathname;
  const commits = async (): Promise<number> => Number((await run('git', ['--git-dir', bare, 'rev-list', '--count', 'main'])).stdout.trim());
  const before = await commits();
  const motd = join(fixture.root, 'etc/motd');
  const motdKey = 'host.trueup.dev/v1alpha1/File//motd';
  const otherKey = 'host.trueup.dev/v1alpha1/File//other';
  // The agent's own state, not the hub's copy of it: what is paused there is what holds.
  const pausedObjects = async (): Promise<string[]> => (agent.applications()[0]?.selfHeal?.objects ?? []).map((o) => o.object);

  // Refused: an object not in the application; nothing paused, nothing committed.
  const unknown = await trueupWithoutHubEnv(['adopt', 'prod/test', '--object', 'host.trueup.dev/v1alpha1/File//nope', ...hub]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no object "host\.trueup\.dev\/v1alpha1\/File\/\/nope" in application "prod\/test": nothing paused/);
  // Refused: a field the object's file does not set (the live value comes from elsewhere); the pause it took is undone.
  const owner = await trueupWithoutHubEnv(['adopt', 'prod/test', 'File/other', '--field', 'spec.owner', ...hub]);
  assert.equal(owner.code, 2);
  assert.match(owner.stderr, /app\/files\.yaml/);
  assert.match(owner.stderr, /spec\.owner/);
  assert.deepEqual(await pausedObjects(), [], 'nothing left paused');
  assert.equal(await commits(), before, 'nothing committed');
  const asked = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?environment=prod&kind=command-requested&limit=100&order=asc');
  assert.deepEqual(asked.items.map((e) => [e.details.verb, e.details.object]), [['pause', otherKey], ['resume', otherKey]], 'the refusal undid the pause it took');

  // A person pauses self-heal of motd and fixes it by hand: reported OutOfSync, not healed.
  assert.equal((await trueupWithoutHubEnv(['pause', 'prod/test', '--object', motdKey, ...hub])).code, 0);
  await writeFile(motd, 'by hand');
  await agent.refresh('test');
  const drift = await eventually('motd OutOfSync at the hub', async () => {
    const read = await client.get<ResourceDetailBody>(`${APP}/resources/${encodeURIComponent(motdKey)}`);
    return read.sync === 'OutOfSync' ? read : undefined;
  });
  assert.equal((drift.live?.spec as { content?: string }).content, 'by hand');

  // Adopted: one commit on the tracked branch that changes only the content line, with who.
  const adopted = await trueupWithoutHubEnv(['adopt', 'prod/test', 'File/motd', '--branch', 'main', ...hub]);
  assert.equal(adopted.code, 0, adopted.stderr);
  assert.match(adopted.stdout, /^app\/files\.yaml:9 spec\.content: "one" → "by hand"$/m);
  assert.match(adopted.stdout, /committed \w{12} on main, applied by the agent; self-heal of host\.trueup\.dev\/v1alpha1\/File\/\/motd resumed/);
  assert.equal(await commits(), before + 1);
  const diff = (await run('git', ['--git-dir', bare, 'diff', '--unified=0', 'main~1', 'main'])).stdout;
  assert.deepEqual(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line)), ['-  content: "one"   # the banner', '+  content: "by hand"   # the banner']);
  const message = (await run('git', ['--git-dir', bare, 'log', '-1', '--format=%B', 'main'])).stdout;
  assert.match(message, /Trueup-Source: adopt/);
  const ledger = await client.get<{ items: LedgerEntry[] }>('/api/v1/events?kind=gitops-commit&limit=10');
  assert.equal(ledger.items.length, 1);
  assert.equal(ledger.items[0]?.actor, 'token:admin');
  assert.equal(ledger.items[0]?.environment, 'prod');
  assert.deepEqual(ledger.items[0]?.details.adopted, ['spec.content']);

  // The agent runs the new revision, in sync, with the hand fix kept; self-heal is back on and heals nothing.
  const head = (await run('git', ['--git-dir', bare, 'rev-parse', 'main'])).stdout.trim();
  const synced = await detail();
  assert.equal(synced.sync, 'Synced');
  assert.equal(synced.revision, head);
  assert.deepEqual(await pausedObjects(), []);
  await agent.refresh('test');
  assert.equal(await readFile(motd, 'utf8'), 'by hand');
  assert.equal((await client.get<ResourceDetailBody>(`${APP}/resources/${encodeURIComponent(motdKey)}`)).sync, 'Synced');
  // Self-heal really is on again: a new hand edit is healed back to what Git now says.
  await writeFile(motd, 'again');
  await agent.refresh('test');
  await eventually('healed to the adopted value', async () => ((await readFile(motd, 'utf8')) === 'by hand' ? true : undefined));

  // Nothing drifted: refused, nothing left paused, no commit.
  const nothing = await trueupWithoutHubEnv(['adopt', 'prod/test', '--object', otherKey, ...hub]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /has not drifted/);
  assert.deepEqual(await pausedObjects(), []);
  assert.equal(await commits(), before + 1);
});
