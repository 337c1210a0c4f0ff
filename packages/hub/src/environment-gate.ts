/**
 * The door to a pipeline environment: its rules (allowed refs, approvals by someone other than
 * the person who triggered the run unless allowed, a wait timer) pass before a job gets the
 * environment's secrets; one deploy runs at a time; a newer run supersedes an older one that
 * still waits (it never runs). Rules live in the store and change only through the API.
 */
import type { EnvironmentRules, HubStore } from '@trueup/store';
import { selectedBy } from '@trueup/workflow';
import { HubErrors } from './errors.ts';

export const DEFAULT_RULES: EnvironmentRules = { requiredApprovals: 0, allowSelfApproval: false, waitSeconds: 0, allowedRefs: [] };

export type Admission = { ok: true; release: () => void } | { ok: false; reason: string; superseded?: string };

interface Waiter {
  runId: string;
  createdAt: number;
  wake: () => void;
  supersede: (by: string) => void;
}

export class EnvironmentGate {
  readonly #store: HubStore;
  readonly #holders = new Map<string, string>();
  readonly #waiting = new Map<string, Waiter[]>();

  constructor(store: HubStore) {
    this.#store = store;
  }

  async rules(environment: string): Promise<EnvironmentRules> {
    return (await this.#store.pipelineSecrets.rules(environment)) ?? DEFAULT_RULES;
  }

  /** Waits until the run may deploy to the environment; `onWait` says why it waits. */
  async admit(environment: string, run: { id: string; actor: string; ref: string; createdAt: number }, signal: AbortSignal, onWait: (why: string) => void): Promise<Admission> {
    const rules = await this.rules(environment);
    // All patterns at once, in order, so an exclusion (`!refs/heads/release/wip`) wins over an earlier match.
    if (rules.allowedRefs.length > 0 && !selectedBy(rules.allowedRefs, run.ref)) {
      return { ok: false, reason: `${run.ref} may not deploy to ${environment}: allowed are ${rules.allowedRefs.join(', ')}` };
    }
    const queue = this.#waiting.get(environment) ?? [];
    this.#waiting.set(environment, queue);
    const newer = queue.find((w) => w.createdAt > run.createdAt);
    if (newer !== undefined) return { ok: false, reason: `superseded by run ${newer.runId}`, superseded: newer.runId };
    for (const older of queue.filter((w) => w.createdAt <= run.createdAt && w.runId !== run.id)) older.supersede(run.id);
    const state: { superseded: string | undefined } = { superseded: undefined };
    let wake: () => void = () => undefined;
    // Read through a function: the value changes in callbacks, where the compiler cannot see it.
    const supersededBy = (): string | undefined => state.superseded;
    const me: Waiter = { runId: run.id, createdAt: run.createdAt, wake: () => wake(), supersede: (by) => { state.superseded = by; wake(); } };
    queue.push(me);
    const nap = (ms: number): Promise<void> => new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => { clearTimeout(timer); resolve(); };
    });
    signal.addEventListener('abort', () => wake(), { once: true });
    try {
      for (;;) {
        const by = supersededBy();
        if (by !== undefined) return { ok: false, reason: `superseded by run ${by}`, superseded: by };
        if (signal.aborted) return { ok: false, reason: 'cancelled' };
        const approvers = (await this.#store.pipelineSecrets.approvers(run.id, environment)).filter((who) => rules.allowSelfApproval || who !== run.actor);
        if (approvers.length < rules.requiredApprovals) {
          onWait(`waiting for approval to deploy to ${environment}: ${approvers.length} of ${rules.requiredApprovals}`);
          await nap(5000);
          continue;
        }
        const holder = this.#holders.get(environment);
        if (holder !== undefined && holder !== run.id) {
          onWait(`waiting: run ${holder} deploys to ${environment}`);
          await nap(5000);
          continue;
        }
        break;
      }
      if (rules.waitSeconds > 0) {
        onWait(`wait timer: ${rules.waitSeconds} s before deploying to ${environment}`);
        const until = Date.now() + rules.waitSeconds * 1000;
        while (Date.now() < until && supersededBy() === undefined && !signal.aborted) await nap(until - Date.now());
        const by = supersededBy();
        if (by !== undefined) return { ok: false, reason: `superseded by run ${by}`, superseded: by };
        if (signal.aborted) return { ok: false, reason: 'cancelled' };
      }
      this.#holders.set(environment, run.id);
      return { ok: true, release: () => { if (this.#holders.get(environment) === run.id) this.#holders.delete(environment); this.#wakeAll(environment); } };
    } finally {
      queue.splice(queue.indexOf(me), 1);
    }
  }

  /** Records an approval; refuses the triggering person unless the rules allow it. */
  async approve(environment: string, run: { id: string; actor: string }, approver: string, now: number): Promise<void> {
    const rules = await this.rules(environment);
    if (!rules.allowSelfApproval && approver === run.actor) throw HubErrors.create('HUB_FORBIDDEN', `${approver} triggered run ${run.id} and may not approve its deploy to ${environment}`);
    await this.#store.pipelineSecrets.approve(run.id, environment, approver, now);
    this.#wakeAll(environment);
  }

  #wakeAll(environment: string): void {
    for (const waiter of this.#waiting.get(environment) ?? []) waiter.wake();
  }
}
