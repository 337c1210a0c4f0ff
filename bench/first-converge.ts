/**
 * First converge, cold: a whole `trueup sync` process on a fresh root and state dir (the clone
 * included) against a whole `ansible-pull` on a fresh root, checkout, HOME and temp dirs.
 * Interleaved run by run, each verified (every file, every service port) and its services stopped.
 */
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { measuredRun, type MeasuredRun } from './measured-run.ts';
import { SIDE_BY_SIDE_FILES, SIDE_BY_SIDE_SERVICES, type Host, type SideBySideRepo } from './side-by-side-repo.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';
import { ansibleEnv, ansiblePullArgv, trueupArgv, trueupEnv } from './tools.ts';

const ON = `same Git repo (file://), ${SIDE_BY_SIDE_FILES} files + ${SIDE_BY_SIDE_SERVICES} services, fresh root each run`;

export async function runTrueupSync(ctx: BenchContext, host: Host): Promise<MeasuredRun> {
  const run = await measuredRun(trueupArgv('sync', host.appFile, '--state-dir', host.stateDir), { cwd: ctx.dir, env: trueupEnv(), log: `${host.stateDir}.log` });
  // 1 = synced but not yet healthy: the services were just started and are Progressing.
  if (run.code !== 0 && run.code !== 1) throw new Error(`trueup sync exited ${run.code}; see ${host.stateDir}.log`);
  return run;
}

export async function runAnsiblePull(ansiblePull: string, sbs: SideBySideRepo, host: Host, options: { onlyIfChanged?: boolean } = {}): Promise<MeasuredRun> {
  const argv = ansiblePullArgv(ansiblePull, { repoURL: sbs.repo.repoURL, checkout: host.stateDir, root: host.root, ...options });
  const run = await measuredRun(argv, { cwd: join(host.root, '..'), env: ansibleEnv(join(host.root, '..', 'ansible')), log: `${host.stateDir}.log` });
  if (run.code !== 0) throw new Error(`ansible-pull exited ${run.code}; see ${host.stateDir}.log`);
  return run;
}

export async function benchFirstConverge(ctx: BenchContext, sbs: SideBySideRepo, ansiblePull: string): Promise<Row[]> {
  const runs = ctx.quick ? 1 : 5;
  const trueup: MeasuredRun[] = [];
  const ansible: MeasuredRun[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await sbs.newHost('trueup-cold');
    trueup.push(await runTrueupSync(ctx, t));
    await sbs.verify(t);
    await sbs.stopServices(t);
    ctx.log(`first converge ${i + 1}/${runs}: trueup sync ${trueup.at(-1)?.wallMs.toFixed(0)} ms (exit ${trueup.at(-1)?.code})`);
    const a = await sbs.newHost('ansible-cold');
    ansible.push(await runAnsiblePull(ansiblePull, sbs, a));
    await sbs.verify(a);
    await sbs.stopServices(a);
    ctx.log(`first converge ${i + 1}/${runs}: ansible-pull ${ansible.at(-1)?.wallMs.toFixed(0)} ms`);
  }
  const cpu = (r: MeasuredRun[]): string => `${(summarize(r.map((x) => x.cpuMs)).median / 1000).toFixed(2)} s`;
  return [{
    id: 'first-trueup',
    measured: 'First converge, cold, wall time: `trueup sync APP.yaml --state-dir <fresh>` (whole process, clone included)',
    on: ON, unit: 'ms', samples: trueup.map((r) => r.wallMs), spread: 'min–max',
    targets: [{ kind: 'peerRatioAtLeast', value: 20 }], peer: 'first-ansible',
    note: `CPU (user+sys, process and children) median: trueup ${cpu(trueup)}, ansible-pull ${cpu(ansible)}. trueup sync exit codes: ${trueup.map((r) => r.code).join(', ')} (1 = synced, services still Progressing: neither tool waits for the services to answer; both were verified afterwards, untimed: every file's content and every service port).`,
  }, {
    id: 'first-ansible',
    measured: 'First converge, cold, wall time: `ansible-pull -U file://… -d <fresh> ansible/playbook.yml` (whole process, clone included)',
    on: ON, unit: 'ms', samples: ansible.map((r) => r.wallMs), spread: 'min–max',
    peerNote: 'peer',
  }];
}
