/**
 * `node bench/hub-handoff.ts [--runs N]`: a hand-off through the hub, end to end: `POST
 * /api/v1/gitops/set` (the hub's writer commits and pushes, then tells the agents following the
 * branch to refresh, the webhook fan-out path) → the joined host agent fetches, applies and
 * reports the new revision Healthy, read by the hub's held `wait` request. No polling anywhere:
 * the agent's interval is an hour. Prints a markdown table.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAgent } from '@trueup/agent';
import type { GitopsSetResult, RevisionWaitResult } from '@trueup/api';
import { agentFixture } from '@trueup/testkit';
import { startTestHub } from '@trueup/testkit/hub';
import { describeMachine } from './machine.ts';
import { renderTable, type Row } from './table.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } }, strict: true });
const runs = Number(values.runs);
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const testHub = await startTestHub();
const fixture = await agentFixture({ files: { 'app/motd.yaml': 'apiVersion: host.trueup.dev/v1alpha1\nkind: File\nmetadata:\n  name: motd\nspec:\n  path: /etc/motd\n  content: "v0"   # set by CI\n' } });
const { client } = testHub;
const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: 'dev', labels: {}, ttl: '10m' });
const tokenFile = join(fixture.dir, 'join-token');
await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], hub: { joinTokenFile: tokenFile } });
while ((await client.get<{ total: number }>('/api/v1/applications?environment=dev')).total === 0) await new Promise((resolve) => setTimeout(resolve, 100));

const times: number[] = [];
let failures = 0;
for (let run = 1; run <= runs; run += 1) {
  const started = performance.now();
  const set = await client.post<GitopsSetResult>('/api/v1/gitops/set', { repoURL: fixture.repoURL, ref: 'main', edits: [{ file: 'app/motd.yaml', key: 'spec.content', value: `v${run}` }], source: 'bench' });
  let verdict: RevisionWaitResult;
  do verdict = await client.get<RevisionWaitResult>(`/api/v1/environments/dev/applications/test/wait?revision=${set.revision}&timeout=30`);
  while (verdict.state === 'pending' && performance.now() - started < 60_000);
  if (verdict.state !== 'healthy') failures += 1;
  times.push(performance.now() - started);
  log(`run ${run}: ${Math.round(times.at(-1) ?? 0)} ms, ${verdict.state}`);
}
await agent.stop();
await testHub.stop();
await fixture.cleanup();

const rows: Row[] = [{
  id: 'hub-handoff', measured: '`gitops set` via the hub → the agent reports the new revision Healthy', on: `hub (SQLite) + host agent joined on 127.0.0.1, file:// config repo, writer window 250 ms (the hub's default), agent interval 1 h`,
  unit: 'ms', samples: times, spread: 'p10–p90', targets: [{ kind: 'atMost', stat: 'median', value: 1500 }], peerNote: 'no peer measured',
}];
process.stdout.write(`${describeMachine().join('\n')}\n\n${renderTable(rows).markdown}\nFailed hand-offs: ${failures}.\n`);
if (failures > 0) process.exitCode = 1;
