/**
 * CPU time of a no-op pass on a converged host: inside the running agent (what it spends every
 * interval), as a whole `trueup sync` process, and as a whole second `ansible-pull` run (what
 * cron runs every interval). Also the peak RSS of ansible-pull's largest process.
 */
import { startAgent } from '@trueup/agent';
import { AgentEvents } from './agent-events.ts';
import type { BenchContext } from './context.ts';
import { runAnsiblePull, runTrueupSync } from './first-converge.ts';
import type { MeasuredRun } from './measured-run.ts';
import { cpuSpentMs, cpuTimeNow } from './process-cpu.ts';
import { SIDE_BY_SIDE_FILES, SIDE_BY_SIDE_SERVICES, type SideBySideRepo } from './side-by-side-repo.ts';
import { summarize } from './stats.ts';
import type { Row } from './table.ts';

const ON = `converged host, ${SIDE_BY_SIDE_FILES} files + ${SIDE_BY_SIDE_SERVICES} services, same repo`;

export async function benchNoopCpu(ctx: BenchContext, sbs: SideBySideRepo, ansiblePull: string): Promise<Row[]> {
  const runs = ctx.quick ? 2 : 5;
  const agent = await agentNoop(ctx, sbs, ctx.quick ? { samples: 5, perSample: 4 } : { samples: 20, perSample: 10 });

  const cliHost = await sbs.newHost('trueup-noop');
  await runTrueupSync(ctx, cliHost);
  await sbs.verify(cliHost);
  const cli: MeasuredRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await runTrueupSync(ctx, cliHost);
    if (run.code !== 0) throw new Error(`no-op trueup sync exited ${run.code} on a converged root`);
    cli.push(run);
    ctx.log(`no-op trueup sync ${i + 1}/${runs}: ${run.cpuMs.toFixed(0)} ms CPU, ${run.wallMs.toFixed(0)} ms wall`);
  }
  await sbs.stopServices(cliHost);

  const ansibleHost = await sbs.newHost('ansible-noop');
  await runAnsiblePull(ansiblePull, sbs, ansibleHost);
  await sbs.verify(ansibleHost);
  const ansible: MeasuredRun[] = [];
  const onlyIfChanged: MeasuredRun[] = [];
  for (let i = 0; i < runs; i++) {
    ansible.push(await runAnsiblePull(ansiblePull, sbs, ansibleHost));
    ctx.log(`no-op ansible-pull ${i + 1}/${runs}: ${ansible.at(-1)?.cpuMs.toFixed(0)} ms CPU`);
  }
  for (let i = 0; i < runs; i++) onlyIfChanged.push(await runAnsiblePull(ansiblePull, sbs, ansibleHost, { onlyIfChanged: true }));
  await sbs.verify(ansibleHost);
  await sbs.stopServices(ansibleHost);

  const wall = (r: readonly number[]): string => `${(summarize(r).median / 1000).toFixed(2)} s`;
  return [{
    id: 'noop-agent',
    measured: 'No-op pass CPU (user+sys) inside the running agent: `agent.refresh` with nothing changed (ls-remote, observe, diff)',
    on: `${ON}; agent in-process`, unit: 'ms', samples: agent.cpu, spread: 'p10–p90',
    targets: [{ kind: 'peerRatioAtLeast', value: 100 }], peer: 'noop-ansible',
    note: `Each sample is the mean of ${agent.perSample} consecutive refreshes: process.cpuUsage() plus reaped children (git) from /proc/self/stat cutime+cstime, whose 10 ms ticks are too coarse for one pass. Wall time per refresh: median ${summarize(agent.wall).median.toFixed(1)} ms.`,
  }, {
    id: 'noop-cli',
    measured: 'No-op `trueup sync` CPU (user+sys), whole process on an already converged root',
    on: ON, unit: 'ms', samples: cli.map((r) => r.cpuMs), spread: 'min–max',
    targets: [{ kind: 'peerRatioAtLeast', value: 100 }], peer: 'noop-ansible',
    note: `getrusage(RUSAGE_CHILDREN) around the process (Node.js start-up, loading the TypeScript sources, the SQLite state, git included). Wall median ${wall(cli.map((r) => r.wallMs))}.`,
  }, {
    id: 'noop-ansible',
    measured: 'No-op second `ansible-pull` CPU (user+sys), whole process on the converged host (git pull + playbook)',
    on: ON, unit: 'ms', samples: ansible.map((r) => r.cpuMs), spread: 'min–max',
    peerNote: 'peer',
    note: `Wall median ${wall(ansible.map((r) => r.wallMs))}. With \`--only-if-changed\` (skips the playbook when Git is unchanged, so it checks no drift: not equivalent to a Trueup pass) ansible-pull took CPU median ${wall(onlyIfChanged.map((r) => r.cpuMs))}, wall ${wall(onlyIfChanged.map((r) => r.wallMs))}.`,
  }, {
    id: 'rss-ansible',
    measured: 'Peak RSS of ansible-pull\'s largest process during a no-op run (ru_maxrss; not resident between runs)',
    on: ON, unit: 'MiB', samples: ansible.map((r) => r.maxRssMiB), spread: 'min–max',
    peerNote: 'peer (of the agent RSS rows)',
  }];
}

async function agentNoop(ctx: BenchContext, sbs: SideBySideRepo, options: { samples: number; perSample: number }): Promise<{ cpu: number[]; wall: number[]; perSample: number }> {
  const host = await sbs.newHost('agent-noop');
  const events = new AgentEvents();
  const agent = await startAgent({ stateDir: host.stateDir, paths: [host.appFile], onEvent: events.listener });
  const cpu: number[] = [];
  const wall: number[] = [];
  try {
    await events.first((e) => e.type === 'pass-finished', 120_000);
    await sbs.verify(host);
    for (let i = 0; i < 3; i++) await refresh();
    for (let s = 0; s < options.samples; s++) {
      const before = cpuTimeNow();
      for (let k = 0; k < options.perSample; k++) {
        const t0 = performance.now();
        await refresh();
        wall.push(performance.now() - t0);
      }
      cpu.push(cpuSpentMs(before, cpuTimeNow()) / options.perSample);
      ctx.log(`no-op agent refresh sample ${s + 1}/${options.samples}: ${(cpu.at(-1) ?? 0).toFixed(2)} ms CPU per pass`);
    }
  } finally {
    await agent.stop({ stopServices: true });
    await sbs.stopServices(host);
  }
  return { cpu, wall, perSample: options.perSample };

  async function refresh(): Promise<void> {
    const finished = events.next((e) => e.type === 'pass-finished');
    const status = await agent.refresh('fleet');
    const event = await finished;
    if (status?.sync !== 'Synced' || status.health.status !== 'Healthy' || (event.type === 'pass-finished' && event.changed !== 0)) {
      throw new Error(`no-op refresh was not a no-op: ${JSON.stringify({ sync: status?.sync, health: status?.health, changed: event.type === 'pass-finished' ? event.changed : undefined })}`);
    }
  }
}
