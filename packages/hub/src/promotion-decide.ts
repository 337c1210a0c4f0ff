/**
 * The promotion engine's decisions, pure: from a promotion, its releases, the record of each stage
 * they reached, approvals, holds and the time, which release goes to which stage next, and why
 * the others wait. No I/O, no clock of its own.
 *
 * Per stage: the candidate is the newest release that passed the previous stage (Healthy there;
 * for the first stage, any release) and is newer than the one the stage runs now — older ones are
 * superseded and never promoted by automation. It is promoted when nothing is in flight in the
 * stage and every gate passes: soak (Healthy in the previous stage long enough), approvals,
 * time windows, and no hold. A release that failed in a stage goes no further by itself, and is
 * not tried in that stage again; a newer release still may be.
 */
import { parseDuration, type GateView, type Promotion } from '@trueup/api';
import type { ApprovalRecord, HoldRecord, ReleaseRecord, ReleaseStageRecord } from '@trueup/store';

export interface PromotionState {
  promotion: Promotion;
  /** Oldest first. */
  releases: readonly ReleaseRecord[];
  stages: readonly ReleaseStageRecord[];
  approvals: readonly ApprovalRecord[];
  holds: readonly HoldRecord[];
}

export type StageDecision =
  | { stage: string; action: 'promote'; release: string }
  | { stage: string; action: 'busy'; release: string }
  | { stage: string; action: 'wait'; release: string; gates: GateView[] }
  | { stage: string; action: 'idle' };

type Stage = Promotion['spec']['stages'][number];
const RANK: Record<string, number> = { viewer: 0, operator: 1, admin: 2 };

export function decide(state: PromotionState, now: number): StageDecision[] {
  return state.promotion.spec.stages.map((stage, index) => {
    const inFlight = state.stages.find((record) => record.stage === stage.name && (record.state === 'promoting' || record.state === 'verifying'));
    if (inFlight !== undefined) return { stage: stage.name, action: 'busy', release: inFlight.releaseId };
    const candidate = candidateFor(state, index);
    if (candidate === undefined) return { stage: stage.name, action: 'idle' };
    const gates = evaluateGates(state, candidate, index, now, false);
    if (gates.every((gate) => gate.passed)) return { stage: stage.name, action: 'promote', release: candidate.id };
    return { stage: stage.name, action: 'wait', release: candidate.id, gates };
  });
}

/** The release a stage runs now: the one started there last. */
export function currentIn(state: Pick<PromotionState, 'stages'>, stage: string): ReleaseStageRecord | undefined {
  let current: ReleaseStageRecord | undefined;
  for (const record of state.stages) {
    if (record.stage !== stage) continue;
    if (current === undefined || record.startedAt > current.startedAt || (record.startedAt === current.startedAt && record.seq > current.seq)) current = record;
  }
  return current;
}

function candidateFor(state: PromotionState, index: number): ReleaseRecord | undefined {
  const stage = state.promotion.spec.stages[index];
  if (stage === undefined) return undefined;
  const previous = state.promotion.spec.stages[index - 1];
  const current = currentIn(state, stage.name);
  for (let i = state.releases.length - 1; i >= 0; i--) {
    const release = state.releases[i];
    if (release === undefined) continue;
    if (current !== undefined && release.seq <= current.seq) return undefined;
    // A release that failed in this stage is not tried there again by automation.
    if (recordOf(state, release.id, stage.name)?.state === 'failed') continue;
    if (previous === undefined || recordOf(state, release.id, previous.name)?.healthyAt !== undefined) return release;
  }
  return undefined;
}

function recordOf(state: Pick<PromotionState, 'stages'>, releaseId: string, stage: string): ReleaseStageRecord | undefined {
  return state.stages.find((record) => record.releaseId === releaseId && record.stage === stage);
}

/** Every gate of `release` for the stage at `index`, passed or not, with the reason. */
export function evaluateGates(state: PromotionState, release: ReleaseRecord, index: number, now: number, explain = true): GateView[] {
  const stage = state.promotion.spec.stages[index];
  if (stage === undefined) return [];
  const gates: GateView[] = [];
  const previous = state.promotion.spec.stages[index - 1];
  if (previous !== undefined) {
    const before = recordOf(state, release.id, previous.name);
    const healthyAt = before?.healthyAt;
    gates.push(healthyAt === undefined
      ? { gate: 'previous', passed: false, reason: `not Healthy in ${previous.name} (${before?.state ?? 'not promoted there'})` }
      : { gate: 'previous', passed: true, reason: `Healthy in ${previous.name} since ${new Date(healthyAt).toISOString()}` });
    const soak = stage.gates.soak === undefined ? undefined : parseDuration(stage.gates.soak);
    if (soak !== undefined && stage.gates.soak !== undefined) {
      const until = healthyAt === undefined ? undefined : healthyAt + soak;
      gates.push(until !== undefined && until <= now
        ? { gate: 'soak', passed: true, reason: `soaked ${stage.gates.soak} in ${previous.name}` }
        : { gate: 'soak', passed: false, reason: `needs ${stage.gates.soak} Healthy in ${previous.name}`, ...(until === undefined ? {} : { opensAt: new Date(until).toISOString() }) });
    }
  }
  const approvals = stage.gates.approvals;
  if (approvals !== undefined) {
    const by = state.approvals.filter((a) => a.releaseId === release.id && a.stage === stage.name && (RANK[a.role] ?? -1) >= RANK[approvals.role]!).map((a) => a.approver);
    gates.push({ gate: 'approvals', passed: by.length >= approvals.count, reason: `${by.length} of ${approvals.count} approval${approvals.count === 1 ? '' : 's'} (role ${approvals.role} or higher)`, approvedBy: by });
  }
  if (stage.gates.windows !== undefined) gates.push(windowGate(stage, now, explain));
  const hold = state.holds.find((h) => h.stage === stage.name);
  gates.push(hold === undefined
    ? { gate: 'hold', passed: true, reason: 'no hold' }
    : { gate: 'hold', passed: false, reason: `held by ${hold.by} since ${new Date(hold.at).toISOString()}: ${hold.reason}` });
  return gates;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Open when `now` falls in any window (a window whose end is before its start runs past midnight). */
export function windowGate(stage: Stage, now: number, explain = true): GateView {
  const windows = stage.gates.windows ?? [];
  for (const window of windows) {
    if (inWindow(window, now)) return { gate: 'window', passed: true, reason: `inside ${describe(window)}` };
  }
  if (!explain) return { gate: 'window', passed: false, reason: `outside ${windows.map(describe).join('; ')}` };
  // The next opening: scan forward minute by minute over a week (windows are on whole minutes).
  const start = Math.ceil(now / 60_000) * 60_000;
  for (let t = start; t < start + 8 * 24 * 60 * 60_000; t += 60_000) {
    if (windows.some((window) => inWindow(window, t))) return { gate: 'window', passed: false, reason: `outside ${windows.map(describe).join('; ')}`, opensAt: new Date(t).toISOString() };
  }
  return { gate: 'window', passed: false, reason: `outside ${windows.map(describe).join('; ')}` };
}

type Window = NonNullable<Stage['gates']['windows']>[number];

function inWindow(window: Window, at: number): boolean {
  const { day, minutes } = localTime(at, window.timezone);
  const from = toMinutes(window.from);
  const to = toMinutes(window.to);
  if (from < to) return window.days.includes(day) && minutes >= from && minutes < to;
  // Past midnight: the evening part on a listed day, the morning part on the day after one.
  const yesterday = DAYS[(DAYS.indexOf(day) + 6) % 7] ?? day;
  return (window.days.includes(day) && minutes >= from) || (window.days.includes(yesterday) && minutes < to);
}

const formats = new Map<string, Intl.DateTimeFormat>();

function localTime(at: number, timeZone: string): { day: (typeof DAYS)[number]; minutes: number } {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = part('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number];
  return { day, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

function toMinutes(clock: string): number {
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

function describe(window: Window): string {
  return `${window.days.join(',')} ${window.from}-${window.to} ${window.timezone}`;
}
