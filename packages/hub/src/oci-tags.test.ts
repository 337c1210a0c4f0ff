/**
 * Reading tags from registries that misbehave — a fake HTTP server injects what the real registry
 * will not do on demand (garbage, a Bearer token service, pages); the real registry is in
 * promotion-images.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { listTags } from './oci-tags.ts';

async function fakeRegistry(t: { after: (fn: () => Promise<void>) => void }, handle: (req: IncomingMessage, res: ServerResponse, host: string) => void): Promise<string> {
  let host = '';
  const server = createServer((req, res) => handle(req, res, host));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return host;
}

const failure = (pattern: RegExp) => (error: unknown): boolean => isTrueupError(error, 'HUB_REGISTRY_FAILED') && pattern.test(error.message);

test('tags: pages followed, a Bearer token fetched with the credentials, never echoed', async (t) => {
  const host = await fakeRegistry(t, (req, res, self) => {
    const url = new URL(req.url ?? '/', `http://${self}`);
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('bot:s3cret').toString('base64')}` && url.searchParams.get('scope') === 'repository:team/web:pull';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { token: 'tok' } : {}));
      return;
    }
    if (req.headers.authorization !== 'Bearer tok') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${self}/token",service="fake",scope="repository:team/web:pull"` }).end();
      return;
    }
    if (url.searchParams.get('last') === null) res.writeHead(200, { link: '</v2/team/web/tags/list?n=1000&last=b>; rel="next"' }).end(JSON.stringify({ name: 'team/web', tags: ['a', 'b'] }));
    else res.writeHead(200).end(JSON.stringify({ name: 'team/web', tags: ['c', '../../etc', 'x'.repeat(200)] }));
  });
  assert.deepEqual(await listTags(`${host}/team/web`, { insecure: true, auth: { username: 'bot', password: 's3cret' } }), ['a', 'b', 'c']);
  await assert.rejects(listTags(`${host}/team/web`, { insecure: true, auth: { username: 'bot', password: 'wrong' } }), (error: unknown) => failure(/token service refused/)(error) && !String((error as Error).message).includes('wrong'));
});

test('tags: garbage, a missing list, 404, 500 and a registry that is down are clear errors', async (t) => {
  const answers: Record<string, [number, string]> = {
    '/v2/garbage/tags/list': [200, '<html>not json'],
    '/v2/nolist/tags/list': [200, '{"tags": "a,b"}'],
    '/v2/gone/tags/list': [404, '{}'],
    '/v2/broken/tags/list': [500, 'oops'],
    '/v2/empty/tags/list': [200, '{"name": "empty", "tags": null}'],
  };
  const host = await fakeRegistry(t, (req, res) => {
    const [status, body] = answers[new URL(req.url ?? '/', 'http://x').pathname] ?? [404, ''];
    res.writeHead(status).end(body);
  });
  await assert.rejects(listTags(`${host}/garbage`, { insecure: true }), failure(/not JSON/));
  await assert.rejects(listTags(`${host}/nolist`, { insecure: true }), failure(/no list of tags/));
  await assert.rejects(listTags(`${host}/gone`, { insecure: true }), failure(/no such repository/));
  await assert.rejects(listTags(`${host}/broken`, { insecure: true }), failure(/HTTP 500/));
  assert.deepEqual(await listTags(`${host}/empty`, { insecure: true }), []);
  await assert.rejects(listTags('127.0.0.1:1/down', { insecure: true }), failure(/cannot be reached/));
});
