import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf, type Manifest } from '@trueup/api';
import { fitObjectView, objectView, redactManifest } from './object-view.ts';
import { desiredOf, hostManifest, liveOf } from './testing.ts';

const secret = (data: Record<string, string>, annotations: Record<string, string> = {}): Manifest => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'web', annotations, managedFields: [{ manager: 'kubectl' }] }, type: 'Opaque', data,
});

test('an object as a person sees it: secret values hidden on both sides, as in the diffs', () => {
  const live = secret({ password: Buffer.from('old-password').toString('base64') }, { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"b2xk"}}' });
  const wanted = secret({ password: Buffer.from('new-password!').toString('base64') });
  const view = objectView(desiredOf(wanted), liveOf(live));
  assert.equal(view.sync, 'OutOfSync');
  assert.deepEqual(view.live?.data, { password: '<redacted: 12 bytes>' });
  assert.deepEqual(view.desired?.data, { password: '<redacted: 13 bytes>' });
  assert.equal((view.live?.metadata as { annotations: Record<string, string> }).annotations['kubectl.kubernetes.io/last-applied-configuration'], '<redacted>');
  assert.equal((view.live?.metadata as { managedFields?: unknown }).managedFields, undefined);
  const text = JSON.stringify(view);
  for (const value of ['old-password', 'new-password', Buffer.from('old-password').toString('base64'), 'b2xk']) assert.ok(!text.includes(value), value);
  assert.match(view.diff, /password/);

  const command = hostManifest('Command', 'c', { run: 'true', env: { TOKEN: 'hunter2-value' } });
  const commandView = objectView(desiredOf(command), liveOf(command));
  assert.deepEqual(commandView, { live: redactManifest(command), desired: redactManifest(command), diff: '', health: { status: 'Healthy' }, sync: 'Synced' });
  assert.deepEqual((commandView.live?.spec as { env: unknown }).env, { TOKEN: '<redacted: 13 bytes>' });

  const gone = objectView(undefined, { key: keyOf(command), manifest: undefined });
  assert.equal(gone.live, null);
  assert.equal(gone.desired, null);
});

test('a view too large for the link loses desired, then live, then diff length, each with a note', () => {
  const big = hostManifest('File', 'f', { path: '/f', content: 'x'.repeat(50_000) });
  const small = hostManifest('File', 'f', { path: '/f', content: 'y' });
  const view = objectView(desiredOf(small), liveOf(big));
  assert.deepEqual(fitObjectView(view, 1_000_000), view, 'fits: unchanged');
  const noDesired = fitObjectView({ ...view, desired: { content: 'z'.repeat(60_000) } }, 110_000);
  assert.equal(noDesired.desired, null);
  assert.notEqual(noDesired.live, null);
  assert.equal(noDesired.notes?.length, 1);
  const tiny = fitObjectView(view, 20_000);
  assert.equal(tiny.live, null);
  assert.ok(new TextEncoder().encode(JSON.stringify(tiny)).length <= 20_000);
  assert.match(tiny.diff, /… diff cut at \d+ characters\n$/);
  assert.deepEqual(tiny.notes?.map((n) => n.split(' ')[0]), ['desired', 'live', 'diff']);
});
