/**
 * First converge, cold: a whole `trueup sync` process on a fresh root and state dir (the clone
 * included) against a whole `ansible-pull` on a fresh root, checkout, HOME and temp dirs.
 * Interleaved, each run verified (every file, every service port) and its services stopped,
 * except the last ansible-pull host: it stays converged for the no-op runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { measuredRun, type MeasuredRun } from './measured-run.ts';
import { SIDE_BY_SIDE_FILES, SIDE_BY_SIDE_SERVICES, type Host, type SideBySideRepo } from './side-by-side-repo.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';
import { ansibleEnv, ansiblePullArgv, trueupArgv, trueupEnv } from './tools.ts';

const ON = `same Git repo (file://), ${SIDE_BY_SIDE_FILES} files + ${SIDE_BY_SIDE_SERVICES} services, fresh root each run`;

/** A whole `trueup sync` process; with `emptyCompileCache`, on the host's own (empty at first) compile cache. */
export async function runTrueupSync(ctx: BenchContext, host: Host, options: { emptyCompileCache?: boolean } = {}): Promise<MeasuredRun> {
  const env = trueupEnv(options.emptyCompileCache === true ? host.compileCache : undefined);
  const run = await measuredRun(trueupArgv('sync', host.appFile, '--state-dir', host.stateDir), { cwd: ctx.dir, env, log: `${host.stateDir}.log` });
  // 1 = synced but not healthy: reported in the notes; verify() checks the host independently.
  if (run.code !== 0 && run.code !== 1) throw new Error(`trueup sync exited ${run.code}; see ${host.stateDir}.log`);
  return run;
}

/** A whole ansible-pull run; with `expectNoChange`, its play recap must say changed=0. */
export async function runAnsiblePull(ansiblePull: string, sbs: SideBySideRepo, host: Host, options: { onlyIfChanged?: boolean; expectNoChange?: boolean } = {}): Promise<MeasuredRun> {
  const log = `${host.stateDir}.log`;
  const argv = ansiblePullArgv(ansiblePull, { repoURL: sbs.repo.repoURL, checkout: host.stateDir, root: host.root, ...(options.onlyIfChanged === true ? { onlyIfChanged: true } : {}) });
  const run = await measuredRun(argv, { cwd: join(host.root, '..'), env: ansibleEnv(join(host.root, '..', 'ansible')), log });
  if (run.code !== 0) throw new Error(`ansible-pull exited ${run.code}; see ${log}`);
  if (options.expectNoChange === true) {
    const recap = (await readFile(log, 'utf8')).split('PLAY RECAP').at(-1) ?? '';
    if (!/changed=0\b/.test(recap)) throw new Error(`ansible-pull changed something on a converged host; see ${log}`);
  }
  return run;
}

export interface FirstConverge {
  rows: Row[];
  /** The last ansible-pull host, converged, its services running. */
  ansibleHost: Host;
}

export async function benchFirstConverge(ctx: BenchContext, sbs: SideBySideRepo, ansiblePull: string): Promise<FirstConverge> {
  const trueupRuns = ctx.quick ? 2 : 5;
  const ansibleRuns = ctx.quick ? 1 : 3;
  const trueup: MeasuredRun[] = [];
  const ansible: MeasuredRun[] = [];
  let ansibleHost: Host | undefined;
  // A host whose compile cache is missing (deleted, or not warmed at install): for the notes.
  const emptyCache: MeasuredRun[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
    const t = await sbs.newHost('trueup-cold-empty-cache');
    emptyCache.push(await runTrueupSync(ctx, t, { emptyCompileCache: true }));
    await sbs.verify(t);
    await sbs.stopServices(t);
    ctx.log(`first converge, empty compile cache, ${i + 1}: trueup sync ${emptyCache.at(-1)?.wallMs.toFixed(0)} ms`);
  }
  for (let i = 0; i < trueupRuns; i++) {
    // The services share their ports across hosts: stop the previous ansible-pull host's first.
    if (ansibleHost !== undefined) await sbs.stopServices(ansibleHost);
    const t = await sbs.newHost('trueup-cold');
    trueup.push(await runTrueupSync(ctx, t));
    await sbs.verify(t);
    await sbs.stopServices(t);
    ctx.log(`first converge ${i + 1}/${trueupRuns}: trueup sync ${trueup.at(-1)?.wallMs.toFixed(0)} ms (exit ${trueup.at(-1)?.code})`);
    // The ansible-pull runs come last, so that the last one can stay converged.
    if (i < trueupRuns - ansibleRuns) continue;
    ansibleHost = await sbs.newHost('ansible-cold');
    ansible.push(await runAnsiblePull(ansiblePull, sbs, ansibleHost));
    await sbs.verify(ansibleHost);
    ctx.log(`first converge ${ansible.length}/${ansibleRuns}: ansible-pull ${ansible.at(-1)?.wallMs.toFixed(0)} ms`);
  }
  if (ansibleHost === undefined) throw new Error('no ansible-pull run');
  const cpu = (r: MeasuredRun[]): string => `${(summarize(r.map((x) => x.cpuMs)).median / 1000).toFixed(2)} s`;
  const rows: Row[] = [{
    id: 'first-trueup',
    measured: 'First converge, cold, wall time: `trueup sync APP.yaml --state-dir <fresh>` (whole process, clone included)',
    on: ON, unit: 'ms', samples: trueup.map((r) => r.wallMs), spread: 'min–max',
    targets: [{ kind: 'peerRatioAtLeast', value: 20 }], peer: 'first-ansible',
    note: `CPU (user+sys, process and children) median: trueup ${cpu(trueup)}, ansible-pull ${cpu(ansible)}. Cold means a fresh root and state dir (so a clone) for trueup, with the Node.js compile cache as \`npm install\` left it (with an empty compile cache instead: median ${(summarize(emptyCache.map((r) => r.wallMs)).median / 1000).toFixed(2)} s over ${emptyCache.length} runs); for ansible-pull a fresh root, checkout, HOME and temp dirs. \`trueup sync\` also waits until the services answer their health checks (its default); ansible-pull does not wait. Each host was verified afterwards, untimed: every file's content and every service port. trueup sync exit codes: ${trueup.map((r) => r.code).join(', ')}.`,
  }, {
    id: 'first-ansible',
    measured: 'First converge, cold, wall time: `ansible-pull -U file://… -d <fresh> ansible/playbook.yml` (whole process, clone included)',
    on: ON, unit: 'ms', samples: ansible.map((r) => r.wallMs), spread: 'min–max',
    peerNote: 'peer',
  }];
  return { rows, ansibleHost };
}
