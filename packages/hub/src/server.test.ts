import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { hubUrl, parseListen } from './server.ts';

test('--listen is HOST:PORT; the URL agents get never names a wildcard address', () => {
  assert.deepEqual(parseListen('127.0.0.1:8443'), { host: '127.0.0.1', port: 8443 });
  assert.deepEqual(parseListen('[::1]:8443'), { host: '::1', port: 8443 });
  assert.deepEqual(parseListen('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  for (const bad of ['8443', 'host:', 'host:99999', ':8443x']) assert.throws(() => parseListen(bad), (error) => isTrueupError(error, 'HUB_LISTEN_INVALID'), bad);
  assert.equal(hubUrl('127.0.0.1', 8443, 'hub-1'), 'https://127.0.0.1:8443');
  assert.equal(hubUrl('::1', 8443, 'hub-1'), 'https://[::1]:8443');
  assert.equal(hubUrl('0.0.0.0', 8443, 'hub-1'), 'https://hub-1:8443');
  assert.equal(hubUrl('::', 8443, 'hub-1'), 'https://hub-1:8443');
});
