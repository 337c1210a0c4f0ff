/** The link through an HTTP/1.1 CONNECT-only proxy: join, report, survive the tunnel being cut. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import type { LinkClientState } from '@trueup/link';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { startConnectProxy } from '@trueup/testkit/connect-proxy';
import { startTestHub } from '@trueup/testkit/hub';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually } from '@trueup/testkit/eventually';

test('an agent behind a CONNECT-only proxy joins, reports, and reconnects after the tunnel is cut', async (t) => {
  const defer = lastInFirstOut(t);
  const testHub = await startTestHub();
  defer(() => testHub.stop());
  const proxy = await startConnectProxy();
  defer(() => proxy.close());
  const fixture = await agentFixture({ files: { 'app/f.yaml': hostManifest('File', 'f', { path: '/f', content: '1\n' }) } });
  defer(() => fixture.cleanup());
  const { token } = await testHub.client.post<{ token: string }>('/api/v1/join-tokens', { name: 'behind-proxy' });
  const tokenFile = join(fixture.dir, 'token');
  await writeFile(tokenFile, token);
  const states: LinkClientState[] = [];
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile, proxy: proxy.url, onState: (s) => states.push(s) } });
  defer(() => agent.stop());
  const list = (): Promise<{ items: { revision: string }[] }> => testHub.client.get('/api/v1/applications?environment=behind-proxy');
  await eventually('the application at the hub', async () => ((await list()).items.length === 1 ? true : undefined));
  const hubHost = new URL(testHub.hub.url).host;
  assert.ok(proxy.tunnels.length >= 3, `join (CA, exchange) and the link each tunnel: ${proxy.tunnels.join(', ')}`);
  assert.ok(proxy.tunnels.every((target) => target === hubHost), proxy.tunnels.join(', '));

  const before = proxy.tunnels.length;
  proxy.cut();
  const second = await fixture.commit({ 'app/f.yaml': hostManifest('File', 'f', { path: '/f', content: '2\n' }) });
  await agent.refresh('test');
  await eventually('the new revision through a new tunnel', async () => ((await list()).items[0]?.revision === second ? true : undefined));
  assert.ok(proxy.tunnels.length > before);
  assert.ok(states.some((s) => s.state === 'disconnected'));
});
