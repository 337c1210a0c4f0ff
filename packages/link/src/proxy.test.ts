import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromEnvironment } from './proxy.ts';

test('the proxy comes from HTTPS_PROXY unless NO_PROXY names the hub', () => {
  const proxy = 'http://proxy.internal:3128';
  assert.equal(proxyFromEnvironment('https://hub.example.com:8443', {}), undefined);
  assert.equal(proxyFromEnvironment('https://hub.example.com:8443', { HTTPS_PROXY: proxy }), proxy);
  assert.equal(proxyFromEnvironment('https://hub.example.com:8443', { https_proxy: proxy }), proxy);
  assert.equal(proxyFromEnvironment('https://hub.example.com:8443', { HTTPS_PROXY: proxy, NO_PROXY: 'localhost,.example.com' }), undefined);
  assert.equal(proxyFromEnvironment('https://hub.example.com:8443', { HTTPS_PROXY: proxy, NO_PROXY: 'example.org' }), proxy);
  assert.equal(proxyFromEnvironment('https://[::1]:8443', { HTTPS_PROXY: proxy, no_proxy: '::1' }), undefined);
  assert.equal(proxyFromEnvironment('https://10.0.0.1', { HTTPS_PROXY: proxy, NO_PROXY: '*' }), undefined);
});
