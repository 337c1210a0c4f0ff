import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '@trueup/api';
import { SPEC_MAX_BYTES, specForHub } from './spec.ts';

test('the spec the hub gets holds no password: URLs lose theirs, credentials stay references', () => {
  const spec = {
    source: { repoURL: 'https://deploy:s3cret-token@git.example/ops/config.git', ref: 'main', path: 'web', credentials: { username: 'deploy', passwordFile: 'secrets/git-password' } },
    destination: { host: { root: '/' } },
    syncPolicy: { automated: { prune: true, selfHeal: true }, interval: '1m' },
  };
  const shown = specForHub({ apiVersion: 'trueup.dev/v1alpha1', kind: 'Application', metadata: { name: 'web' }, spec } as unknown as Application);
  assert.ok(!JSON.stringify(shown).includes('s3cret-token'));
  assert.equal((shown.source as { repoURL: string }).repoURL, 'https://git.example/ops/config.git');
  assert.deepEqual((shown.source as { credentials: unknown }).credentials, { username: 'deploy', passwordFile: 'secrets/git-password' });
  assert.deepEqual(shown.syncPolicy, spec.syncPolicy);
});

test('a spec too large for the link is replaced by a note, so the status still fits', () => {
  const spec = { source: { repoURL: 'https://git.example/c.git', ref: 'main', helm: { values: 'x'.repeat(SPEC_MAX_BYTES) } } };
  const shown = specForHub({ apiVersion: 'trueup.dev/v1alpha1', kind: 'Application', metadata: { name: 'web' }, spec } as unknown as Application);
  assert.match(String(shown.note), /^the spec \(\d+ bytes\) is larger than the 262144 bytes sent to the hub/);
});
