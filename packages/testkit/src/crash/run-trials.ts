/**
 * The crash suite's loop: each trial pushes a commit, starts the agent, waits for a phase of its
 * pass, kills it with SIGKILL after a random delay, checks what the kill left, sometimes pushes
 * one more commit (the interrupted generation is then dropped before the agent is back),
 * restarts the agent, waits until it converged, and checks the invariants. Every random choice
 * comes from one seed, drawn in a fixed order, so a seed replays the same trials.
 */
import { StateStore } from '@trueup/agent';
import type { ApplicationStatus, ObjectKey } from '@trueup/api';
import { agentFixture, type AgentFixture } from '../app-fixture.ts';
import { AgentProcess } from './agent-process.ts';
import { seededRandom } from './random.ts';
import { INVARIANTS, type CrashScenario, type Invariant, type KillPhase, type Violation } from './scenario.ts';

export interface CrashRunOptions {
  /** Builds the scenario on the fixture (its root, its state dir). */
  scenario: (fixture: AgentFixture) => CrashScenario;
  /** `spec.destination` of the Application (flow YAML); default the fixture's host root. */
  destination?: string;
  /** The agent's argv for a state dir and an Application file: `[node, main.js, 'agent', …]`. */
  agentCommand: (stateDir: string, appFile: string) => string[];
  trials: number;
  seed: number;
  /** How often one more commit lands while the agent is down; default 0.3. */
  skipChance?: number;
  /** How long a restarted agent may take to converge; default 60 s. */
  convergeTimeoutMs?: number;
  /** Told one line per trial. */
  log?: (line: string) => void;
}

export interface TrialRecord {
  trial: number;
  phase: KillPhase;
  delayMs: number;
  /** Where the kill landed, per the scenario. */
  landed: string;
  /** Whether one more commit landed before the restart. */
  skipped: boolean;
  violations: Violation[];
}

export interface CrashRunResult {
  seed: number;
  scenario: string;
  trials: TrialRecord[];
  /** Violations per invariant, every invariant the scenario checks listed. */
  counts: Record<string, number>;
  /** Kills per landing place. */
  landed: Record<string, number>;
}

const APPLICATION = 'test';

export async function runCrashTrials(options: CrashRunOptions): Promise<CrashRunResult> {
  const random = seededRandom(options.seed);
  const fixture = await agentFixture({ files: { 'README.md': 'crash trials\n' }, interval: '1h', ...(options.destination === undefined ? {} : { destination: options.destination }) });
  const scenario = options.scenario(fixture);
  const start = (): AgentProcess => AgentProcess.start(options.agentCommand(fixture.stateDir, fixture.appFile));
  const timeoutMs = options.convergeTimeoutMs ?? 60_000;
  const records: TrialRecord[] = [];
  let agent: AgentProcess | undefined;
  try {
    let generation = 0;
    let sha = await fixture.commit(scenario.commit(generation), 'generation 0');
    agent = start();
    const setup = await converged(fixture.stateDir, sha, timeoutMs);
    await agent.stop();
    if (setup.violation !== undefined) throw new Error(`the first sync did not converge: ${setup.violation.detail}\n${agent.tail()}`);
    for (let trial = 1; trial <= options.trials; trial++) {
      const phase = random.pick<KillPhase>(['fetch', ...scenario.phases]);
      const delayFraction = random.next();
      const skipped = random.chance(options.skipChance ?? 0.3);
      const from = generation;
      generation++;
      sha = await fixture.commit(scenario.commit(generation), `generation ${generation}`);
      const stop = new AbortController();
      const window = phase === 'fetch' ? undefined : scenario.watchPhase(phase, from, generation, stop.signal);
      agent = start();
      const passEnded = agent.waitForLine((line) => line.event === 'pass-finished', timeoutMs);
      const began = window === undefined ? await agent.waitForLine((line) => line.event === 'pass-started', timeoutMs) : await Promise.race([window.began, passEnded.then(() => false)]);
      const maxDelayMs = window?.maxDelayMs ?? scenario.fetchDelayMs;
      const delayMs = began ? Math.round(delayFraction * maxDelayMs) : 0;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await agent.kill();
      stop.abort();
      const landed = began ? await scenario.landedIn(from, generation) : 'after-pass';
      const violations = await scenario.checkAfterKill(generation);
      if (skipped) {
        generation++;
        sha = await fixture.commit(scenario.commit(generation), `generation ${generation}`);
      }
      agent = start();
      const after = await converged(fixture.stateDir, sha, timeoutMs);
      if (after.violation !== undefined) violations.push({ ...after.violation, detail: `${after.violation.detail}; agent log:\n${agent.tail()}` });
      violations.push(...(await scenario.checkConverged({ generation, stateDir: fixture.stateDir, status: after.status, inventory: after.inventory })));
      await agent.stop();
      const record: TrialRecord = { trial, phase, delayMs, landed, skipped, violations };
      records.push(record);
      options.log?.(describeTrial(options.seed, record));
    }
  } finally {
    await agent?.kill();
    await scenario.close?.();
    await fixture.cleanup();
  }
  return summarizeTrials(options.seed, scenario.name, records, scenario.invariants);
}

export function summarizeTrials(seed: number, scenario: string, trials: TrialRecord[], invariants: readonly Invariant[] = INVARIANTS): CrashRunResult {
  const counts: Record<string, number> = Object.fromEntries(invariants.map((name) => [name, 0]));
  const landed: Record<string, number> = {};
  for (const trial of trials) {
    landed[trial.landed] = (landed[trial.landed] ?? 0) + 1;
    for (const invariant of new Set(trial.violations.map((v) => v.invariant))) counts[invariant] = (counts[invariant] ?? 0) + 1;
  }
  return { seed, scenario, trials, counts, landed };
}

export function describeTrial(seed: number, trial: TrialRecord): string {
  const head = `seed ${seed} trial ${trial.trial}: kill in ${trial.phase} +${trial.delayMs} ms, landed ${trial.landed}${trial.skipped ? ', one more commit before the restart' : ''}`;
  if (trial.violations.length === 0) return `${head}: ok`;
  return `${head}:\n${trial.violations.map((v) => `  ${v.invariant}: ${v.detail}`).join('\n')}`;
}

/** Waits until the stored status says the agent applied `sha` and is Synced and Healthy without error. */
async function converged(stateDir: string, sha: string, timeoutMs: number): Promise<{ status: ApplicationStatus | undefined; inventory: ObjectKey[]; violation?: Violation }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, inventory } = readState(stateDir);
    if (status !== undefined && status.appliedRevision === sha && status.sync === 'Synced' && status.health.status === 'Healthy' && status.error === undefined) return { status, inventory };
    if (Date.now() > deadline) {
      const detail = status === undefined ? 'no status' : `${status.sync}/${status.health.status} at ${status.appliedRevision.slice(0, 8)} (want ${sha.slice(0, 8)})${status.error === undefined ? '' : `, ${status.error.code}: ${status.error.message}`}; ${status.resources.filter((r) => r.sync !== 'Synced' || r.health.status !== 'Healthy').slice(0, 5).map((r) => `${r.kind}/${r.name} ${r.sync}/${r.health.status}`).join(', ')}`;
      return { status, inventory, violation: { invariant: 'not-converged', detail } };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readState(stateDir: string): { status: ApplicationStatus | undefined; inventory: ObjectKey[] } {
  let store: StateStore | undefined;
  try {
    store = new StateStore(stateDir, { readOnly: true });
    return { status: store.status(APPLICATION), inventory: store.inventory(APPLICATION) };
  } catch {
    return { status: undefined, inventory: [] }; // no state yet
  } finally {
    store?.close();
  }
}
