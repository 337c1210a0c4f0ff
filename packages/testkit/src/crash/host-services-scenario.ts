/**
 * The host Services and Commands scenario: every commit changes the env of Service `svc-a`
 * (a restart), of `svc-b` every third commit, adds a Service for its generation and drops the
 * previous one's; it changes Command `job` (a run of 0.5–2 s) and adds a Command for its
 * generation (0.5 s), dropping the previous one. Each Service's argv holds a token unique to the
 * trial run, so its processes are counted twice: by the provider's marks and by /proc/PID/cmdline.
 * Each Command run appends `start NAME ID` and `end NAME ID` lines to one log, so two runs of a
 * Command at once show as interleaved lines; a sampler also looks for two live run leaders of one
 * Command with different launch ids all along.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostManifest, type AgentFixture } from '../app-fixture.ts';
import { killMarked, markedLeaders, processesByArgv } from './host-processes.ts';
import { until } from './host-files-scenario.ts';
import type { ConvergedState, CrashScenario, PhaseWindow, Violation } from './scenario.ts';

export const SERVICE_INVARIANTS = [
  'service-count-by-mark',
  'service-count-by-argv',
  'status-healthy-service-not-one',
  'command-runs-interleaved',
  'command-two-live-runs',
  'not-converged',
] as const;

const APPLICATION = 'test';
const LOG = '/var/commands.log';
const SAMPLE_MS = 40;

export function hostServicesScenario(fixture: AgentFixture): CrashScenario {
  const providerState = join(fixture.stateDir, 'apps', APPLICATION);
  const run = randomBytes(4).toString('hex');
  const token = (service: string): string => `trueup-crash-${run}-${service}`;
  const services = (g: number): Array<{ name: string; env: Record<string, string> }> => [
    { name: 'svc-a', env: { GENERATION: String(g) } },
    { name: 'svc-b', env: { ROUND: String(Math.floor(g / 3)) } },
    { name: `svc-g${g}`, env: {} },
  ];
  const commands = (g: number): Array<{ name: string; seconds: string }> => [
    { name: 'job', seconds: (0.5 + ((g * 0.37) % 1.5)).toFixed(2) },
    { name: `once-g${g}`, seconds: '0.5' },
  ];
  const manifest = (g: number): string => [
    ...services(g).map(({ name, env }) => hostManifest('Service', name, { command: ['/bin/sh', '-c', 'while :; do sleep 1; done', token(name)], env, stopTimeout: '2s' })),
    ...commands(g).map(({ name, seconds }) => hostManifest('Command', name, {
      run: `mkdir -p "$TRUEUP_ROOT/var"; echo "start ${name} $$" >> "$TRUEUP_ROOT${LOG}"; sleep ${seconds}; echo "end ${name} $$" >> "$TRUEUP_ROOT${LOG}"`,
      env: { GENERATION: String(g) },
    })),
  ].join('');
  /** Every Service name any commit declared, and so every token to count. */
  const everDeclared = new Set<string>();

  // The log's lines read so far, the runs started and not yet ended, and what the sampler saw.
  let logOffset = 0;
  const open = new Map<string, string>();
  const pending: Violation[] = [];
  const sampling = new AbortController();
  const sampler = (async () => {
    while (!sampling.signal.aborted) {
      const leaders = await markedLeaders(providerState, APPLICATION, 'Command');
      for (const [name, procs] of leaders) {
        const launches = new Set(procs.map((p) => p.launch));
        if (launches.size > 1) pending.push({ invariant: 'command-two-live-runs', detail: `Command ${name}: ${procs.map((p) => `pid ${p.pid} launch ${p.launch}`).join(', ')}` });
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();

  const readLog = async (): Promise<Violation[]> => {
    const text = await readFile(join(fixture.root, LOG), 'utf8').catch(() => '');
    const complete = text.slice(logOffset, text.lastIndexOf('\n') + 1);
    logOffset += complete.length;
    const violations: Violation[] = [];
    for (const line of complete.split('\n').filter((l) => l !== '')) {
      const [what, name = '', id = ''] = line.split(' ');
      const running = open.get(name);
      if (what === 'start') {
        if (running !== undefined) violations.push({ invariant: 'command-runs-interleaved', detail: `Command ${name}: run ${id} started while run ${running} had not ended` });
        open.set(name, id);
      } else if (what === 'end') {
        if (running !== id) violations.push({ invariant: 'command-runs-interleaved', detail: `Command ${name}: run ${id} ended, but the open run is ${running ?? 'none'}` });
        open.delete(name);
      }
    }
    return violations;
  };

  const launchesNow = async (kind: 'Service' | 'Command'): Promise<Set<string>> =>
    new Set([...(await markedLeaders(providerState, APPLICATION, kind)).values()].flat().map((p) => p.launch));

  /** The launch ids in the provider's Service records. */
  const recordedLaunches = async (): Promise<Set<string>> => {
    const dir = join(providerState, 'host', APPLICATION, 'services');
    const launches = new Set<string>();
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (!file.endsWith('.json')) continue;
      const record = await readFile(join(dir, file), 'utf8').then((text) => JSON.parse(text) as { launch?: unknown }, () => undefined);
      if (typeof record?.launch === 'string') launches.add(record.launch);
    }
    return launches;
  };

  return {
    name: 'host services and commands',
    destination: `{ host: { root: "${fixture.root}" } }`,
    phases: ['service-start', 'service-stop', 'command-run'],
    fetchDelayMs: 150,
    invariants: SERVICE_INVARIANTS,
    commit: (g) => {
      for (const { name } of services(g)) everDeclared.add(name);
      return { 'app/objects.yaml': manifest(g) };
    },

    watchPhase(phase, _from, _to, stop): PhaseWindow {
      // service-start: a Service record takes a new launch id (written before the spawn);
      // service-stop: a Service leader that ran is gone; command-run: a Command run leader of a
      // new launch appears. Records and pids are polled, not /proc at large: a scan of it takes
      // long enough to miss a start at the end of a pass.
      const began = (async () => {
        if (phase === 'service-start') {
          const before = await recordedLaunches();
          return until(async () => [...(await recordedLaunches())].some((launch) => !before.has(launch)), stop);
        }
        if (phase === 'service-stop') {
          const pids = [...(await markedLeaders(providerState, APPLICATION, 'Service')).values()].flat().map((p) => p.pid);
          return until(async () => (await Promise.all(pids.map(alive))).includes(false), stop);
        }
        const before = await launchesNow('Command');
        return until(async () => [...(await launchesNow('Command'))].some((launch) => !before.has(launch)), stop);
      })();
      return { began, maxDelayMs: phase === 'command-run' ? 1500 : phase === 'service-start' ? 100 : 50 };
    },

    async landedIn(from, to) {
      if ((await launchesNow('Command')).size > 0) return 'command-run';
      const leaders = await markedLeaders(providerState, APPLICATION, 'Service');
      const newOne = leaders.has(`svc-g${to}`);
      const oldOne = leaders.has(`svc-g${from}`);
      if (!newOne) return oldOne ? 'before-service-start' : 'services-down';
      return oldOne ? 'before-service-stop' : 'after-service-stop';
    },

    async checkAfterKill() {
      return [];
    },

    async checkConverged(state: ConvergedState) {
      const violations: Violation[] = [...pending.splice(0), ...(await readLog())];
      const declared = new Set(services(state.generation).map((s) => s.name));
      const leaders = await markedLeaders(providerState, APPLICATION, 'Service');
      const byArgv = await processesByArgv(new Set([...everDeclared].map(token)));
      for (const name of everDeclared) {
        const want = declared.has(name) ? 1 : 0;
        const marked = leaders.get(name) ?? [];
        const argv = byArgv.get(token(name)) ?? [];
        if (marked.length !== want) violations.push({ invariant: 'service-count-by-mark', detail: `Service ${name}: ${marked.length} marked leader(s) (pids ${marked.map((p) => p.pid).join(', ')}), want ${want}` });
        if (argv.length !== want) violations.push({ invariant: 'service-count-by-argv', detail: `Service ${name}: ${argv.length} process(es) with its token (pids ${argv.join(', ')}), want ${want}` });
      }
      for (const resource of state.status?.resources ?? []) {
        if (resource.kind !== 'Service' || resource.health.status !== 'Healthy') continue;
        const argv = byArgv.get(token(resource.name)) ?? [];
        if (argv.length !== 1) violations.push({ invariant: 'status-healthy-service-not-one', detail: `Service ${resource.name} Healthy with ${argv.length} process(es)` });
      }
      return violations;
    },

    async close() {
      sampling.abort();
      await sampler;
      const byArgv = await processesByArgv(new Set([...everDeclared].map(token)));
      await killMarked(providerState, APPLICATION, [...byArgv.values()].flat());
    },
  };
}

/** Whether process `pid` runs (not a zombie: an orphan's reaper may be slow or absent). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== '' && state !== 'Z' && state !== 'X';
}
