/**
 * Adoptions committed on a branch keep their object's self-heal paused until Git holds them: on
 * each status change its agent reports (and on a slow tick), a pending adoption whose application
 * applied a revision not yet looked at is checked by reading the object's desired state from the
 * agent; when every adopted field renders at its adopted value (the branch was merged and applied),
 * self-heal resumes and the ledger says so. Level-triggered: a missed signal only delays it, and a
 * restarted hub finds the pending adoptions in the store.
 */
import type { AdoptionRecord } from '@trueup/store';
import { agentCommand, readObject } from './adopt-agent.ts';
import { holdsFields } from './adopt-plan.ts';
import type { HubDeps } from './deps.ts';

export interface AdoptionWatcherOptions {
  log: (message: string) => void;
  /** How often pending adoptions are looked at without a status change, ms; default 5000. */
  tickMs?: number;
}

export class AdoptionWatcher {
  readonly #deps: HubDeps;
  readonly #options: AdoptionWatcherOptions;
  /** Adoption id → the applied revision it was last checked at. */
  readonly #checked = new Map<string, string>();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(deps: HubDeps, options: AdoptionWatcherOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    this.#unsubscribe = this.#deps.feed.subscribe(() => this.wake());
    this.#timer = setInterval(() => this.wake(), this.#options.tickMs ?? 5000);
    this.#timer.unref();
    this.wake();
  }

  /** Runs a pass soon; passes never overlap (one asked for during a pass runs after it). */
  wake(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().catch((error: unknown) => this.#options.log(`adoptions: ${error instanceof Error ? error.message : String(error)}`)).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    clearInterval(this.#timer);
    await this.#running;
  }

  async #pass(): Promise<void> {
    const pending = await this.#deps.store.adoptions.pending();
    const live = new Set(pending.map((a) => a.id));
    for (const id of this.#checked.keys()) if (!live.has(id)) this.#checked.delete(id);
    for (const adoption of pending) {
      if (this.#closed) return;
      await this.#check(adoption).catch((error: unknown) => this.#options.log(`adoption ${adoption.id} of ${adoption.object}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  async #check(adoption: AdoptionRecord): Promise<void> {
    const deps = this.#deps;
    const found = await deps.store.applications.get(adoption.environment, adoption.application);
    if (found === undefined) return;
    const applied = typeof found.status.appliedRevision === 'string' && found.status.appliedRevision !== '' ? found.status.appliedRevision : found.summary.revision;
    if (applied === '' || this.#checked.get(adoption.id) === applied) return;
    if (!(await deps.links.reachable(adoption.environment))) return;
    const read = await readObject(deps, adoption.environment, adoption.application, adoption.object);
    this.#checked.set(adoption.id, applied);
    if (read.desired === null || !holdsFields(read.desired, adoption.fields)) return;
    // Resume first (idempotent), then resolve once: a replica that loses the race only resumed twice.
    await agentCommand(deps, adoption.environment, adoption.application, adoption.requestedBy, 'resume', adoption.object);
    if (!(await deps.store.adoptions.resolve(adoption.id, 'resumed', applied, deps.now()))) return;
    await deps.store.ledger.append({
      environment: adoption.environment, application: adoption.application, at: deps.now(), kind: 'adoption-resumed', actor: adoption.requestedBy,
      details: { adoption: adoption.id, object: adoption.object, branch: adoption.branch, tracked: adoption.tracked, commit: adoption.revision, appliedRevision: applied, fields: adoption.fields.map((f) => f.path) },
    });
  }
}
