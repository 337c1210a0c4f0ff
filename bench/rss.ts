/**
 * Resident memory of the real agent as its own process (`trueup agent`): VmRSS once its first
 * pass is done and it settled, and VmHWM (the peak), from /proc/PID/status. With the side-by-side
 * repository's 1,000 files and 5 services, with the compile cache installed with the CLI and with
 * an empty one; and with 1 managed file, for the floor.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';
import { createFilesApp } from './files-app.ts';
import { SIDE_BY_SIDE_FILES, SIDE_BY_SIDE_SERVICES, type SideBySideRepo } from './side-by-side-repo.ts';
import type { Row } from './table.ts';
import { trueupArgv, trueupEnv } from './tools.ts';

const SETTLE_MS = 3000;

interface AgentRun {
  name: string;
  appFile: string;
  stateDir: string;
  /** A compile cache folder of its own (empty at first); omitted: the one installed with the CLI. */
  emptyCompileCache?: string;
}

interface Memory {
  rss: number;
  hwm: number;
}

export async function benchRss(ctx: BenchContext, sbs: SideBySideRepo): Promise<Row[]> {
  const runs = ctx.quick ? 1 : 3;
  const warm: Memory[] = [];
  const cold: Memory[] = [];
  const floor: Memory[] = [];
  for (let i = 0; i < runs; i++) {
    const host = await sbs.newHost('agent-rss');
    warm.push(await measureAgent({ name: 'fleet', appFile: host.appFile, stateDir: host.stateDir }));
    await sbs.stopServices(host);
    const uncached = await sbs.newHost('agent-rss-empty-cache');
    cold.push(await measureAgent({ name: 'fleet', appFile: uncached.appFile, stateDir: uncached.stateDir, emptyCompileCache: uncached.compileCache }));
    await sbs.stopServices(uncached);
    const one = await createFilesApp(join(ctx.dir, `rss-floor-${i}`), 'one', 1);
    floor.push(await measureAgent({ name: one.name, appFile: one.appFile, stateDir: one.stateDir }));
    ctx.log(`agent RSS ${i + 1}/${runs}: ${show(warm.at(-1))}, empty compile cache ${show(cold.at(-1))}, 1 file ${show(floor.at(-1))}`);
  }
  const on = `\`trueup agent\` process, ${SIDE_BY_SIDE_FILES} managed files + ${SIDE_BY_SIDE_SERVICES} services`;
  const row = (id: string, measured: string, onText: string, samples: number[], target: boolean): Row => ({
    id, measured, on: onText, unit: 'MiB', samples, spread: 'min–max',
    ...(target ? { targets: [{ kind: 'atMost' as const, stat: 'median' as const, value: 100 }] } : {}),
    ...(id === 'rss-agent-floor' ? { peerNote: '—' } : { peer: 'rss-ansible' }),
  });
  return [
    { ...row('rss-agent', `Agent VmRSS after its first pass, settled ${SETTLE_MS / 1000} s and one no-op refresh (compile cache as installed)`, on, warm.map((m) => m.rss), true),
      note: 'Peer ratio = the peak RSS of ansible-pull\'s largest process ÷ the resident agent; ansible-pull holds no memory between cron runs, so this is context, not a like-for-like target.' },
    row('rss-agent-peak', 'Agent VmHWM, peak since start: clone, first render and apply', on, warm.map((m) => m.hwm), false),
    row('rss-agent-uncached', 'Agent VmRSS as above with an empty compile cache (the TypeScript stripper loads)', on, cold.map((m) => m.rss), true),
    row('rss-agent-floor', 'Agent VmRSS with 1 managed file: the floor under the target', '`trueup agent` process, 1 managed file', floor.map((m) => m.rss), false),
  ];
}

function show(memory: Memory | undefined): string {
  return memory === undefined ? '?' : `VmRSS ${memory.rss.toFixed(1)} MiB (VmHWM ${memory.hwm.toFixed(1)} MiB)`;
}

async function measureAgent(run: AgentRun): Promise<Memory> {
  const log = await open(`${run.stateDir}.log`, 'a');
  const [node, ...args] = trueupArgv('agent', '--state-dir', run.stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', run.appFile);
  const child = spawn(node ?? process.execPath, args, { env: trueupEnv(run.emptyCompileCache), stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const url = await agentUrl(run.stateDir, child.pid ?? 0);
    await until(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, 120_000);
    await sleep(SETTLE_MS);
    const token = (await readFile(join(run.stateDir, 'api-token'), 'utf8')).trim();
    const refreshed = await fetch(`${url}/api/v1/applications/${run.name}/refresh?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!refreshed.ok) throw new Error(`refresh answered ${refreshed.status}`);
    await refreshed.arrayBuffer();
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    return { rss: kib(status, 'VmRSS') / 1024, hwm: kib(status, 'VmHWM') / 1024 };
  } finally {
    // A clean stop also writes the compile cache for the next start.
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    await log.close();
  }
}

/** The listener URL the agent writes to `<state>/agent.json` once it listens. */
async function agentUrl(stateDir: string, pid: number): Promise<string> {
  let url = '';
  await until(async () => {
    // Missing, or caught half-written: not yet.
    const info = await readFile(join(stateDir, 'agent.json'), 'utf8').then((text) => JSON.parse(text) as { url?: string; pid?: number }).catch(() => undefined);
    if (info?.pid === pid && typeof info.url === 'string') url = info.url;
    return url !== '';
  }, 60_000);
  return url;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(100);
  }
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match?.[1] === undefined) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]);
}
