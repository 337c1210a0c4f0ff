/**
 * One writer per repository branch: edits submitted within a batching window become one commit,
 * written by one loop (fetch, edit, commit, push; re-apply and retry when the branch moved). A
 * caller's edits commit together or not at all; a caller whose edit fails (a missing key) gets
 * its error and the others' edits still commit.
 */
import { commitMessage, filesRead, planCommit, type CommitPlan, type FileEdit, type PlannedChange } from './plan.ts';
import { formatKeyPath, parseKeyPath } from './key-path.ts';
import { layerFiles } from './helm-values-layer.ts';
import type { CommitOrigin } from './trailers.ts';
import { WorkTree, type Identity, type RepoTarget } from './work-tree.ts';
import { writeWith, type RetryPolicy } from './write-branch.ts';

export interface BranchWriterOptions {
  target: RepoTarget;
  /** The writer's working copy (created; reused across batches). */
  dir: string;
  /** Edits arriving within this many ms of the first pending one share a commit; default 10 s. */
  windowMs?: number;
  identity?: Identity;
  retry?: Partial<RetryPolicy>;
  /** Subject of batch commits; default says what was set. */
  message?: (changes: readonly PlannedChange[]) => string | undefined;
}

export interface Submission {
  edits: readonly FileEdit[];
  origin: CommitOrigin;
}

export type SubmitResult =
  | { outcome: 'committed'; revision: string; changes: PlannedChange[]; /** Callers whose edits share the commit. */ batchSize: number }
  | { outcome: 'unchanged'; revision: string };

interface Pending extends Submission {
  arrived: number;
  resolve: (result: SubmitResult) => void;
  reject: (error: unknown) => void;
}

export const DEFAULT_WINDOW_MS = 10_000;

export class BranchWriter {
  readonly windowMs: number;
  /** The working copy's folder. */
  get dir(): string {
    return this.options.dir;
  }

  /** The repository and branch written. */
  get target(): RepoTarget {
    return this.options.target;
  }

  private readonly options: BranchWriterOptions;
  private tree: Promise<WorkTree> | undefined;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private lastUsed = Date.now();

  constructor(options: BranchWriterOptions) {
    this.options = options;
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    if (!Number.isFinite(this.windowMs) || this.windowMs < 0) throw new RangeError(`windowMs must be a duration in ms, not ${this.windowMs}`);
  }

  /** Since when nothing is pending or being written (ms since the epoch), or undefined while busy. */
  get idleSince(): number | undefined {
    return this.pending.length > 0 || this.running !== undefined ? undefined : this.lastUsed;
  }

  /** Callers waiting for the next batch (a queue-depth metric). */
  get depth(): number {
    return this.pending.length;
  }

  /** Queues the edits; resolves when they are pushed (or found already set), rejects with their error. */
  submit(submission: Submission): Promise<SubmitResult> {
    if (this.closed) return Promise.reject(new Error('the branch writer is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ ...submission, arrived: Date.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Writes what is pending now, then refuses new edits. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.pending.length > 0) await this.flush();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.running !== undefined || this.pending.length === 0) return;
    const first = this.pending[0]?.arrived ?? Date.now();
    const wait = Math.max(0, first + this.windowMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const run = this.writeBatch(batch);
    this.running = run;
    await run;
    this.running = undefined;
    this.lastUsed = Date.now();
    if (!this.closed) this.schedule();
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const failed = new Map<Pending, unknown>();
    try {
      const tree = await this.workTree();
      const result = await writeWith(tree, batch.flatMap((item) => filesRead(item.edits)), (read) => {
        failed.clear();
        return this.decide(read, batch, failed);
      }, { ...(this.options.identity === undefined ? {} : { identity: this.options.identity }), ...(this.options.retry === undefined ? {} : { retry: this.options.retry }) });
      const writers = batch.filter((item) => !failed.has(item));
      for (const item of batch) {
        const error = failed.get(item);
        if (error !== undefined) {
          item.reject(error);
        } else if (result.outcome === 'committed') {
          const mine = result.changes.filter((change) => item.edits.some((edit) => (edit.file.replace(/^\.\/+/, '') === change.file && (edit.valuesOf !== undefined || sameKey(edit, change))) || layerFiles(edit.valuesOf?.layers).includes(change.file)));
          item.resolve(mine.length === 0 ? { outcome: 'unchanged', revision: result.revision } : { outcome: 'committed', revision: result.revision, changes: mine, batchSize: writers.length });
        } else {
          item.resolve({ outcome: 'unchanged', revision: result.revision });
        }
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  /** The working copy, opened on first use; a failed open is tried again by the next batch. */
  private async workTree(): Promise<WorkTree> {
    this.tree ??= WorkTree.open(this.options.target, this.options.dir);
    try {
      return await this.tree;
    } catch (error) {
      this.tree = undefined;
      throw error;
    }
  }

  /** Each caller's edits on the files as left by the callers before it; a caller whose edit fails is left out. */
  private decide(read: (file: string) => string | undefined, batch: readonly Pending[], failed: Map<Pending, unknown>): CommitPlan {
    const files = new Map<string, string>();
    const changes: PlannedChange[] = [];
    const origins: CommitOrigin[] = [];
    for (const item of batch) {
      try {
        const plan = planCommit((file) => files.get(file) ?? read(file), item.edits, { origin: item.origin });
        if (plan.action === 'none') continue;
        for (const [file, text] of plan.files) files.set(file, text);
        changes.push(...plan.changes);
        origins.push(item.origin);
      } catch (error) {
        failed.set(item, error);
      }
    }
    if (changes.length === 0) return { action: 'none', failed: [] };
    const subject = this.options.message?.(changes);
    return { action: 'commit', files, changes, message: commitMessage(changes, { origin: origins, ...(subject === undefined ? {} : { message: subject }) }), failed: [] };
  }
}

function sameKey(edit: FileEdit, change: PlannedChange): boolean {
  try {
    return formatKeyPath(parseKeyPath(edit.key)) === change.key;
  } catch {
    return false;
  }
}

/** One writer per repository and branch in this process. */
export class WriterRegistry {
  private readonly writers = new Map<string, BranchWriter>();
  private readonly make: (target: RepoTarget, id: string) => BranchWriter;

  constructor(make: (target: RepoTarget, id: string) => BranchWriter) {
    this.make = make;
  }

  /** The writer of `target`'s branch, made on first use. */
  writer(target: RepoTarget): BranchWriter {
    const id = writerId(target);
    let writer = this.writers.get(id);
    if (writer === undefined) {
      writer = this.make(target, id);
      this.writers.set(id, writer);
    }
    return writer;
  }

  /** How many writers are open. */
  get size(): number {
    return this.writers.size;
  }

  /**
   * Closes the writer of `target`'s branch (its pending edits are written first) and forgets it;
   * the next write to the branch makes a new one. Returns the closed writer, or undefined when
   * there was none.
   */
  async release(target: RepoTarget): Promise<BranchWriter | undefined> {
    const id = writerId(target);
    const writer = this.writers.get(id);
    if (writer === undefined) return undefined;
    this.writers.delete(id);
    await writer.close();
    return writer;
  }

  /** Whether a writer of `target`'s branch is open. */
  has(target: RepoTarget): boolean {
    return this.writers.has(writerId(target));
  }

  /** Releases every writer idle for `idleMs` or more at `now`; returns their targets. */
  async releaseIdle(idleMs: number, now = Date.now()): Promise<RepoTarget[]> {
    const idle = [...this.writers.values()].filter((writer) => {
      const since = writer.idleSince;
      return since !== undefined && now - since >= idleMs;
    });
    for (const writer of idle) await this.release(writer.target);
    return idle.map((writer) => writer.target);
  }

  async close(): Promise<void> {
    await Promise.all([...this.writers.values()].map((writer) => writer.close()));
    this.writers.clear();
  }
}

/** `URL without credentials#branch`: two spellings of one repository with credentials share a writer. */
export function writerId(target: RepoTarget): string {
  const url = new URL(target.repoURL);
  url.username = '';
  url.password = '';
  return `${url.toString().replace(/\/+$/, '').replace(/\.git$/, '')}#${target.ref}`;
}
