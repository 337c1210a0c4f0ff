/**
 * Adoptions committed on a branch keep their object's self-heal paused until Git holds them: on
 * each status change its agent reports (and on a slow tick), a pending adoption whose application
 * applied a revision not yet looked at is checked by reading the object's desired state from the
 * agent; when every adopted field renders at its adopted value (the branch was merged and applied),
 * self-heal resumes and the adoption ends `applied`. When the applied revision has the adoption's
 * commit in its history but renders another value (merged, then changed again), self-heal resumes
 * and it ends `superseded`. A branch deleted before its commit reached the tracked branch ends it
 * `withdrawn` (self-heal resumed); so does a resume by hand (routes/applications.ts). Each end is
 * in the ledger. Level-triggered: a missed signal only delays it, and a
 * restarted hub finds the pending adoptions in the store.
 */
import type { AdoptionRecord } from '@trueup/store';
import { agentCommand, readObject } from './adopt-agent.ts';
import { endAdoption, type AdoptionEnd } from './adopt-end.ts';
import { holdsFields } from './adopt-plan.ts';
import type { HubDeps } from './deps.ts';

export interface AdoptionWatcherOptions {
  log: (message: string) => void;
  /** How often pending adoptions are looked at without a status change, ms; default 5000. */
  tickMs?: number;
  /** How often a pending adoption's branch is looked for (deleted: withdrawn), ms; default 15000. */
  branchCheckMs?: number;
}

export class AdoptionWatcher {
  readonly #deps: HubDeps;
  readonly #options: AdoptionWatcherOptions;
  /** Adoption id → the applied revision it was last checked at. */
  readonly #checked = new Map<string, string>();
  /** Adoption id → when its branch was last looked for. */
  readonly #branchLooked = new Map<string, number>();
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
    for (const id of this.#branchLooked.keys()) if (!live.has(id)) this.#branchLooked.delete(id);
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
    if (applied !== '' && this.#checked.get(adoption.id) !== applied && (await deps.links.reachable(adoption.environment))) {
      const read = await readObject(deps, adoption.environment, adoption.application, adoption.object);
      this.#checked.set(adoption.id, applied);
      if (read.desired !== null && holdsFields(read.desired, adoption.fields)) {
        await this.#resumeAndEnd(adoption, 'applied', applied, `${adoption.tracked} at ${applied.slice(0, 12)} holds the adopted values`);
        return;
      }
      const probe = await deps.gitops?.probe(adoption.repoURL);
      if (probe !== undefined && (await probe.contains(shortBranch(adoption.tracked), adoption.revision, applied))) {
        await this.#resumeAndEnd(adoption, 'superseded', applied, `${adoption.tracked} at ${applied.slice(0, 12)} took the adoption's commit ${adoption.revision.slice(0, 12)} but holds another value`);
        return;
      }
    }
    await this.#checkBranchGone(adoption);
  }

  /** A branch deleted before its commit reached the tracked branch: withdrawn, self-heal resumed. Looked at every 15 s at most. */
  async #checkBranchGone(adoption: AdoptionRecord): Promise<void> {
    const deps = this.#deps;
    const last = this.#branchLooked.get(adoption.id) ?? 0;
    if (deps.gitops === undefined || deps.now() - last < (this.#options.branchCheckMs ?? 15_000)) return;
    this.#branchLooked.set(adoption.id, deps.now());
    const probe = await deps.gitops.probe(adoption.repoURL);
    if ((await probe.tip(adoption.branch)) !== undefined) return;
    const trackedTip = await probe.tip(shortBranch(adoption.tracked));
    // Merged and deleted, not yet applied: the applied revision decides, later.
    if (trackedTip !== undefined && (await probe.contains(shortBranch(adoption.tracked), adoption.revision, trackedTip))) return;
    if (!(await deps.links.reachable(adoption.environment))) return;
    await this.#resumeAndEnd(adoption, 'withdrawn', '', `the branch ${adoption.branch} was deleted without being merged into ${adoption.tracked}`);
  }

  /** Resume first (idempotent), then end once: a replica that loses the race only resumed twice. */
  async #resumeAndEnd(adoption: AdoptionRecord, state: AdoptionEnd, revision: string, reason: string): Promise<void> {
    await agentCommand(this.#deps, adoption.environment, adoption.application, adoption.requestedBy, 'resume', adoption.object);
    await endAdoption(this.#deps, adoption, { state, revision, actor: adoption.requestedBy, reason });
  }
}

function shortBranch(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}
