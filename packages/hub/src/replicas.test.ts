/**
 * Two hub replicas on one PostgreSQL: an agent linked to replica A is steered through replica B
 * (the command reaches it by LISTEN/NOTIFY, its result comes back to B), and B's stream and
 * environment list see what A received.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '@trueup/agent';
import { agentFixture, hostManifest } from '@trueup/testkit';
import { skipWithoutPostgres, startPostgres } from '@trueup/testkit/postgres';
import { HubClient } from './client.ts';
import { startHub } from './server.ts';
import type { CommandRecord } from '@trueup/store';
import type { ResourceDetailBody } from '@trueup/api';
import { lastInFirstOut } from '@trueup/testkit/teardown';
import { eventually } from '@trueup/testkit/eventually';

test('replicas on one PostgreSQL route commands and changes to each other', { skip: skipWithoutPostgres() }, async (t) => {
  const defer = lastInFirstOut(t);
  const pg = await startPostgres();
  defer(() => pg.stop());
  const database = await pg.createDatabase('ha');
  const dataDir = await mkdtemp(join(tmpdir(), 'trueup-ha-'));
  defer(() => rm(dataDir, { recursive: true, force: true }));
  // Same data dir: the replicas share the CA and serving certificate (and so the agent's pin).
  const a = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined });
  defer(() => a.stop());
  const b = await startHub({ dataDir, database, listen: '127.0.0.1:0', log: () => undefined });
  defer(() => b.stop());
  assert.equal(a.tls.caSha256, b.tls.caSha256);
  const token = (await readFile(a.info.adminTokenFile, 'utf8')).trim();
  const viaA = new HubClient({ url: a.url, token, ca: a.tls.ca });
  const viaB = new HubClient({ url: b.url, token, ca: b.tls.ca });

  const fixture = await agentFixture({ files: { 'app/f.yaml': hostManifest('File', 'f', { path: '/f', content: '1\n' }) } });
  defer(() => fixture.cleanup());
  const tokenFile = join(fixture.dir, 'token');
  await writeFile(tokenFile, (await viaA.post<{ token: string }>('/api/v1/join-tokens', { name: 'edge' })).token);
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], onEvent: (e) => fixture.onEvent(e), hub: { joinTokenFile: tokenFile } });
  defer(() => agent.stop());
  await eventually('the application through B', async () => ((await viaB.get<{ total: number }>('/api/v1/applications')).total === 1 ? true : undefined));
  assert.equal(a.links.connected('edge'), true);
  assert.equal(b.links.connected('edge'), false);
  const environments = await viaB.get<{ items: { name: string; connected: boolean }[] }>('/api/v1/environments');
  assert.deepEqual(environments.items.map((e) => [e.name, e.connected]), [['edge', true]], 'B knows the agent is linked to A');

  // B's stream is fed by A's link.
  const abort = new AbortController();
  defer(() => abort.abort());
  const stream = await fetchStream(b.url, b.tls.ca, token, abort.signal);
  await stream.until('synced');
  const second = await fixture.commit({ 'app/f.yaml': hostManifest('File', 'f', { path: '/f', content: '2\n' }) });

  // A command posted to B reaches the agent on A; B answers with its result.
  const done = await viaB.post<CommandRecord>('/api/v1/environments/edge/applications/test/refresh?wait=true&timeout=30');
  assert.equal(done.state, 'succeeded');
  assert.equal(done.result?.revision, second);
  const upsert = await stream.until('upsert', (data) => (data as { revision: string }).revision === second);
  assert.equal((upsert as { environment: string }).environment, 'edge');

  // A read asked at B is answered by the agent on A (the answer too large for a NOTIFY travels as a row).
  const read = await viaB.get<ResourceDetailBody>(`/api/v1/environments/edge/applications/test/resources/${encodeURIComponent('host.trueup.dev/v1alpha1/File//f')}`);
  assert.equal((read.live?.spec as { content?: string }).content, '2\n');
  assert.equal(read.sync, 'Synced');
  // So is a pause: the agent shows who paused through B.
  const paused = await viaB.post<CommandRecord>('/api/v1/environments/edge/applications/test/pause?wait=true&timeout=30');
  assert.equal(paused.state, 'succeeded');
  assert.equal(agent.applications()[0]?.selfHeal?.pause?.by, 'token:admin');
});

/** A minimal SSE reader over node:https (the stream needs the hub's CA). */
async function fetchStream(url: string, ca: string, token: string, signal: AbortSignal): Promise<{ until: (event: string, match?: (data: unknown) => boolean) => Promise<unknown> }> {
  const { request } = await import('node:https');
  const messages: { event: string; data: unknown }[] = [];
  let wake: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    const req = request(new URL('/api/v1/stream', url), { ca, headers: { authorization: `Bearer ${token}` }, signal }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) messages.push({ event, data: JSON.parse(data) });
        }
        wake?.();
      });
      res.on('error', () => undefined);
      resolve();
    });
    req.on('error', (error) => (signal.aborted ? undefined : reject(error)));
    req.end();
  });
  return {
    async until(event, match = () => true) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = messages.find((m) => m.event === event && match(m.data));
        if (found !== undefined) return found.data;
        if (Date.now() > deadline) throw new Error(`no ${event} event; saw ${messages.map((m) => m.event).join(', ')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
    },
  };
}
