/**
 * Resident memory of the real agent as its own process (`trueup agent`) managing the
 * side-by-side repository's 1,000 files and 5 services: VmRSS once its first pass is done and it
 * settled, and VmHWM (the peak), from /proc/PID/status.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.ts';
import { SIDE_BY_SIDE_FILES, SIDE_BY_SIDE_SERVICES, type Host, type SideBySideRepo } from './side-by-side-repo.ts';
import type { Row } from './table.ts';
import { trueupArgv, trueupEnv } from './tools.ts';

const SETTLE_MS = 3000;

export async function benchRss(ctx: BenchContext, sbs: SideBySideRepo): Promise<Row[]> {
  const runs = ctx.quick ? 1 : 3;
  const rss: number[] = [];
  const hwm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const host = await sbs.newHost('agent-rss');
    const memory = await measureAgent(host);
    await sbs.stopServices(host);
    rss.push(memory.rss);
    hwm.push(memory.hwm);
    ctx.log(`agent RSS ${i + 1}/${runs}: VmRSS ${memory.rss.toFixed(1)} MiB, VmHWM ${memory.hwm.toFixed(1)} MiB`);
  }
  const on = `\`trueup agent\` process, ${SIDE_BY_SIDE_FILES} managed files + ${SIDE_BY_SIDE_SERVICES} services`;
  return [{
    id: 'rss-agent',
    measured: `Agent VmRSS after its first pass, settled ${SETTLE_MS / 1000} s (and one no-op refresh)`,
    on, unit: 'MiB', samples: rss, spread: 'min–max',
    targets: [{ kind: 'atMost', stat: 'median', value: 100 }], peer: 'rss-ansible',
    note: 'Peer ratio = ansible-pull\'s largest process at its peak / the resident agent; ansible-pull holds no memory between cron runs, so this is context, not a like-for-like target.',
  }, {
    id: 'rss-agent-peak',
    measured: 'Agent VmHWM (peak RSS since start: the clone, first render and apply)',
    on, unit: 'MiB', samples: hwm, spread: 'min–max',
    targets: [{ kind: 'atMost', stat: 'median', value: 100 }], peer: 'rss-ansible',
  }];
}

async function measureAgent(host: Host): Promise<{ rss: number; hwm: number }> {
  const log = await open(`${host.stateDir}.log`, 'a');
  const [node, ...args] = trueupArgv('agent', '--state-dir', host.stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', host.appFile);
  const child = spawn(node ?? process.execPath, args, { env: trueupEnv(), stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const url = await agentUrl(host.stateDir, child.pid ?? 0);
    await until(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, 120_000);
    await sleep(SETTLE_MS);
    const refreshed = await fetch(`${url}/api/v1/applications/fleet/refresh?wait=true`, { method: 'POST' });
    if (!refreshed.ok) throw new Error(`refresh answered ${refreshed.status}`);
    await refreshed.arrayBuffer();
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    return { rss: kib(status, 'VmRSS') / 1024, hwm: kib(status, 'VmHWM') / 1024 };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    await log.close();
  }
}

/** The listener URL the agent writes to `<state>/agent.json` once it listens. */
async function agentUrl(stateDir: string, pid: number): Promise<string> {
  let url = '';
  await until(async () => {
    const info = await readFile(join(stateDir, 'agent.json'), 'utf8').then((text) => JSON.parse(text) as { url?: string; pid?: number }, () => undefined);
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
