/**
 * Drift → healed: overwrite a managed file and time until its content is back, with the agent
 * running in this process. One file per trial, trials spaced apart, so that self-heal's
 * anti-fighting backoff never applies.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent } from '@trueup/agent';
import { AgentEvents } from './agent-events.ts';
import type { BenchContext } from './context.ts';
import { createFilesApp } from './files-app.ts';
import { fileContent } from './repo-fixture.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

const FILES = 100;
const SPACING_MS = 30;
const POLL_MS = 2;
const GIVE_UP_MS = 10_000;

export async function benchHeal(ctx: BenchContext): Promise<Row[]> {
  const trials = ctx.quick ? 20 : FILES;
  const app = await createFilesApp(join(ctx.dir, 'heal'), 'heal', FILES);
  const events = new AgentEvents();
  const agent = await startAgent({ stateDir: app.stateDir, paths: [app.appFile], onEvent: events.listener });
  const samples: number[] = [];
  try {
    const first = await events.first((e) => e.type === 'pass-finished');
    if (first.type !== 'pass-finished' || first.status.sync !== 'Synced') throw new Error(`heal: first pass did not converge: ${JSON.stringify(first)}`);
    await sleep(200);
    for (let i = 0; i < trials; i++) {
      const file = app.files[i % FILES];
      if (file === undefined) throw new Error('no file');
      const path = app.hostPath(file);
      const want = fileContent(i % FILES, 0);
      const healed = events.next((e) => e.type === 'drift-healed' && e.key.name === file.name, GIVE_UP_MS).catch(() => undefined);
      const t0 = performance.now();
      await writeFile(path, `tampered in trial ${i}\n`);
      while ((await readFile(path, 'utf8').catch(() => '')) !== want) {
        if (performance.now() - t0 > GIVE_UP_MS) throw new Error(`heal: ${path} not healed within ${GIVE_UP_MS} ms`);
        await Promise.race([sleep(POLL_MS), healed]);
      }
      samples.push(performance.now() - t0);
      ctx.log(`heal ${i + 1}/${trials}: ${(samples.at(-1) ?? 0).toFixed(1)} ms`);
      await sleep(SPACING_MS);
    }
  } finally {
    await agent.stop({ stopServices: true });
  }
  const own = events.seen.flatMap((e) => (e.type === 'drift-healed' ? [e.durationMs] : []));
  const ownText = own.length === 0 ? 'none' : `median ${summarize(own).median.toFixed(1)} ms, p99 ${summarize(own).p99.toFixed(1)} ms over ${own.length} events`;
  return [{
    id: 'heal',
    measured: 'Drift → healed: a managed file overwritten until its content is back',
    on: `agent in-process, ${FILES} managed files, one file per trial, ${SPACING_MS} ms apart`,
    unit: 'ms',
    samples,
    spread: 'p10–p90',
    showP99: true,
    targets: [{ kind: 'atMost', stat: 'median', value: 100 }, { kind: 'atMost', stat: 'p99', value: 500 }],
    peerNote: 'n/a: ansible-pull has no drift watch (heals at its next cron run)',
    note: `t0 just before writeFile of other content; t1 when a readFile (polled every ${POLL_MS} ms and on the drift-healed event) returns the Git content. The agent's own drift-healed durationMs (from the inotify signal to healed): ${ownText}. Deferred heals (Fighting backoff): ${events.count('heal-deferred')}.`,
  }];
}
