/**
 * What a crash scenario provides: the commits it pushes, the moments of a pass it can kill the
 * agent at, and the invariants it checks after each trial. The host files scenario and the
 * Kubernetes ConfigMaps scenario are two; the host Services and Commands one (exactly one process
 * per Service, never two runs of a Command at once) adds its own phases (`service-start`,
 * `service-stop`, `command-run`) and invariants.
 */
import type { ApplicationStatus, ObjectKey } from '@trueup/api';

/** A moment of a pass: the trial waits for it to begin, then kills the agent after a random delay. */
export type KillPhase = 'fetch' | 'apply' | 'prune' | (string & {});

/** The invariants every scenario reports on; a scenario may add its own names. */
export const INVARIANTS = [
  'torn-file',
  'temp-file-left',
  'undeclared-object',
  'wrong-content',
  'inventory-absent',
  'status-missing-but-exists',
  'status-healthy-but-absent',
  'not-converged',
] as const;

export type Invariant = (typeof INVARIANTS)[number] | (string & {});

export interface Violation {
  invariant: Invariant;
  detail: string;
}

/** What a trial knows when it checks a converged agent. */
export interface ConvergedState {
  /** The generation HEAD declares. */
  generation: number;
  stateDir: string;
  status: ApplicationStatus | undefined;
  inventory: readonly ObjectKey[];
}

export interface PhaseWindow {
  /** Resolves once the phase began (true), or false when the pass ended without it. */
  began: Promise<boolean>;
  /** Longest random delay after the phase began, in ms. */
  maxDelayMs: number;
}

export interface CrashScenario {
  readonly name: string;
  /** `spec.destination` of the Application, as flow YAML. */
  readonly destination: string;
  /** The phases `watchPhase` knows, besides `fetch` (the pass started, per the agent's log). */
  readonly phases: readonly KillPhase[];
  /** Longest random delay after a pass started for a kill in `fetch`, in ms. */
  readonly fetchDelayMs: number;
  /** The repository's files at `generation` (path → text, null to delete). */
  commit(generation: number): Record<string, string | null>;
  /** Starts watching for `phase` of the pass that moves from `from` to `to`; `stop` ends the watch. */
  watchPhase(phase: KillPhase, from: number, to: number, stop: AbortSignal): PhaseWindow;
  /** Where the kill landed, judged from what is there after it (for the counts). */
  landedIn(from: number, to: number): Promise<string>;
  /** Checks right after the kill, before anything else runs (a torn file). */
  checkAfterKill(upTo: number): Promise<Violation[]>;
  /** Checks after the restarted agent converged on `state.generation` (or gave up). */
  checkConverged(state: ConvergedState): Promise<Violation[]>;
  /** The invariants it checks, for the counts; default INVARIANTS. */
  readonly invariants?: readonly Invariant[];
  /** Ends what it runs and whatever the trials started (processes), before the fixture goes. */
  close?(): Promise<void>;
}
