import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isolate, runtimeBinds } from './isolation.ts';

test('the runner\'s Node.js under /tmp is bound again over the private /tmp; elsewhere nothing is added', () => {
  assert.deepEqual(runtimeBinds('/tmp/checkout/node_modules/node/bin/node'), ['--ro-bind', '/tmp/checkout/node_modules/node', '/tmp/checkout/node_modules/node']);
  assert.deepEqual(runtimeBinds('/usr/bin/node'), []);
  assert.deepEqual(runtimeBinds('/tmpfoo/node/bin/node'), []);
});

test('the sandbox\'s binds come after its private /tmp, so they show through it', () => {
  const argv = isolate({ kind: 'bubblewrap', bwrap: '/usr/bin/bwrap' }, ['true'], ['/tmp/job'], '/tmp/job');
  assert.ok(argv.indexOf('--tmpfs') < argv.indexOf('/tmp/job'), argv.join(' '));
});
