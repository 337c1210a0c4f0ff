/**
 * The promotion engine's I/O around the pure `decide`: promotion files read from Git, a pass on
 * every status change the agents report (and each second, for soak times and windows), each
 * decision carried out — the release's values written into the stage's files through the hub's one
 * writer per branch, the followers told to refresh, the agent's verdict awaited (as `gitops wait`
 * judges it) — and every transition put in the ledger.
 */
import { join } from 'node:path';
import { isTrueupError, parsePromotion, repoKey, type Promotion } from '@trueup/api';
import type { ReleaseRecord } from '@trueup/store';
import type { HubDeps } from './deps.ts';
import { HubErrors } from './errors.ts';
import { decide, currentIn, type PromotionState } from './promotion-decide.ts';
import { PromotionGit } from './promotion-git.ts';
import { ImageWatch, type RegistryAuth } from './promotion-images.ts';
import { StageVerifier } from './promotion-verify.ts';

export interface LoadedPromotion {
  promotion: Promotion;
  file: string;
  repoURL: string;
  revision: string;
}

export interface PromotionEngineOptions {
  dataDir: string;
  /** How often a pass runs without a status change (soak times, windows); default 1 s. */
  tickMs?: number;
  /** How often promotion files are read again from Git; default 30 s. */
  reloadMs?: number;
  /** How long a promoted revision may take to be reported Healthy; default 10 min. */
  verifyTimeoutMs?: number;
  /** Credentials for registries, by HOST[:PORT]. */
  registryAuth?: Record<string, RegistryAuth>;
  log: (message: string) => void;
}

const ACTOR = 'automation';

/** Who acts: the caller's subject, as the ledger records it. */
export interface Actor {
  subject: string;
}

function splitApplication(application: string): { environment: string; application: string } {
  const [environment = '', name = ''] = application.split('/');
  return { environment, application: name };
}
/** A `promoting` stage this old on PostgreSQL is taken to be abandoned by a stopped replica. */
const RESUME_AFTER_MS = 5 * 60_000;

export class PromotionEngine {
  readonly git: PromotionGit;
  readonly images: ImageWatch;
  readonly #deps: HubDeps;
  readonly #options: PromotionEngineOptions;
  /** By promotion name. */
  #promotions = new Map<string, LoadedPromotion>();
  /** Files that did not parse, with why (the last good version of a promotion stays in force). */
  #invalid = new Map<string, { repoURL: string; file: string; error: string }>();
  #timer: NodeJS.Timeout | undefined;
  #reloadTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #pass: Promise<void> | undefined;
  readonly #verifier: StageVerifier;
  #again = false;
  #closed = false;

  constructor(deps: HubDeps, options: PromotionEngineOptions) {
    this.#deps = deps;
    this.#options = options;
    this.git = new PromotionGit(join(options.dataDir, 'promotion-repos'));
    this.#verifier = new StageVerifier({ store: deps.store, git: this.git, now: deps.now, verifyTimeoutMs: options.verifyTimeoutMs ?? 600_000, ledger: (entry) => this.#ledger(entry) });
    this.images = new ImageWatch({ auth: options.registryAuth ?? {}, now: deps.now, log: options.log, onTag: (promotion, value, tag) => this.#newTag(promotion, value, tag) });
  }

  async start(): Promise<void> {
    await this.reload().catch((error: unknown) => this.#options.log(`promotions: ${message(error)}`));
    await this.#resume().catch((error: unknown) => this.#options.log(`promotions: resuming writes: ${message(error)}`));
    this.#unsubscribe = this.#deps.feed.subscribe(() => this.wake());
    this.#timer = setInterval(() => this.wake(), this.#options.tickMs ?? 1000);
    this.#timer.unref();
    this.#reloadTimer = setInterval(() => void this.reload().catch((error: unknown) => this.#options.log(`promotions: ${message(error)}`)), this.#options.reloadMs ?? 30_000);
    this.#reloadTimer.unref();
    this.wake();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#reloadTimer);
    this.#unsubscribe?.();
    this.images.close();
    await this.#pass;
  }

  list(): LoadedPromotion[] {
    return [...this.#promotions.values()].sort((a, b) => a.promotion.metadata.name.localeCompare(b.promotion.metadata.name));
  }

  invalid(): { repoURL: string; file: string; error: string }[] {
    return [...this.#invalid.values()];
  }

  get(name: string): LoadedPromotion {
    const loaded = this.#promotions.get(name);
    if (loaded === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no promotion "${name}" at this hub (known: ${[...this.#promotions.keys()].join(', ') || 'none'})`);
    return loaded;
  }

  /** Tracks a repository's `.trueup/promotions/` from now on and reads it at once. */
  async addSource(repoURL: string, ref: string, caller: Actor): Promise<LoadedPromotion[]> {
    await this.git.tip(repoURL, ref);
    if (!(await this.#deps.store.releases.addSource({ key: repoKey(repoURL), url: repoURL, ref, createdBy: caller.subject, createdAt: this.#deps.now() }))) {
      throw HubErrors.create('HUB_CONFLICT', `promotions are read from ${repoKey(repoURL)} already`);
    }
    await this.#ledger({ kind: 'promotion-source-added', actor: caller.subject, details: { repoURL, ref } });
    await this.reload();
    return this.list().filter((loaded) => loaded.repoURL === repoURL);
  }

  /** Reads every source's promotion files again; a broken file keeps its last good promotion. */
  async reload(): Promise<void> {
    const next = new Map<string, LoadedPromotion>();
    const byFile = new Map([...this.#promotions.values()].map((loaded) => [`${loaded.repoURL}#${loaded.file}`, loaded]));
    for (const source of await this.#deps.store.releases.sources()) {
      let sha: string;
      try {
        sha = await this.git.tip(source.url, source.ref);
      } catch (error) {
        // Unreachable: keep what was loaded from it.
        for (const loaded of byFile.values()) if (loaded.repoURL === source.url) next.set(loaded.promotion.metadata.name, loaded);
        this.#options.log(`promotions: ${message(error)}`);
        continue;
      }
      for (const { file, text } of await this.git.promotionFiles(source.url, sha)) {
        try {
          const promotion = parsePromotion(text, file);
          const name = promotion.metadata.name;
          if (next.has(name)) throw HubErrors.create('HUB_CONFLICT', `${file}: promotion "${name}" is defined twice (also in ${next.get(name)?.file ?? ''})`);
          next.set(name, { promotion, file, repoURL: source.url, revision: sha });
          this.#invalid.delete(`${source.url}#${file}`);
        } catch (error) {
          const key = `${source.url}#${file}`;
          if (this.#invalid.get(key)?.error !== message(error)) await this.#ledger({ kind: 'promotion-invalid', details: { repoURL: source.url, revision: sha, file, error: message(error) } });
          this.#invalid.set(key, { repoURL: source.url, file, error: message(error) });
          const previous = byFile.get(key);
          if (previous !== undefined) next.set(previous.promotion.metadata.name, previous);
        }
      }
    }
    this.#promotions = next;
    this.images.watch(this.list().map((loaded) => loaded.promotion));
    this.wake();
  }

  /** Asks for a pass; passes never overlap, one asked during a pass runs after it. */
  wake(): void {
    if (this.#closed) return;
    if (this.#pass !== undefined) {
      this.#again = true;
      return;
    }
    this.#pass = (async () => {
      do {
        this.#again = false;
        for (const loaded of this.list()) {
          await this.#step(loaded.promotion).catch((error: unknown) => this.#options.log(`promotion ${loaded.promotion.metadata.name}: ${message(error)}`));
        }
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#pass = undefined;
    });
  }

  /** Waits for the pass in progress (tests and the bench). */
  async settled(): Promise<void> {
    while (this.#pass !== undefined) await this.#pass;
  }

  async state(promotion: Promotion): Promise<PromotionState> {
    const { releases } = this.#deps.store;
    const name = promotion.metadata.name;
    const recent = await releases.recent(name);
    const known = new Set(recent.map((r) => r.id));
    const stages = await releases.working(name, promotion.spec.stages.map((stage) => stage.name), [...known]);
    // Releases older than the recent window that a stage still runs.
    recent.push(...await releases.getMany([...new Set(stages.map((record) => record.releaseId))].filter((id) => !known.has(id))));
    recent.sort((a, b) => a.seq - b.seq);
    return { promotion, releases: recent, stages, approvals: await releases.approvals(recent.map((r) => r.id)), holds: await releases.holds(name) };
  }

  async #step(promotion: Promotion): Promise<void> {
    const state = await this.state(promotion);
    for (const record of state.stages) if (record.state === 'verifying') await this.#verifier.verify(promotion, record);
    for (const decision of decide(await this.state(promotion), this.#deps.now())) {
      if (decision.action !== 'promote') continue;
      const release = await this.#deps.store.releases.get(decision.release);
      if (release !== undefined) await this.promote(promotion, release, decision.stage, { subject: ACTOR, manual: false });
    }
  }

  /**
   * Starts `release` in `stage`: records it (refused while another is in flight there), writes its
   * values through the branch's writer, and leaves it verifying (or failed, with the reason).
   */
  async promote(promotion: Promotion, release: ReleaseRecord, stageName: string, by: { subject: string; manual: boolean }): Promise<boolean> {
    const stage = promotion.spec.stages.find((s) => s.name === stageName);
    if (stage === undefined) throw HubErrors.create('HUB_NOT_FOUND', `promotion ${promotion.metadata.name} has no stage "${stageName}"`);
    const [environment = '', application = ''] = stage.application.split('/');
    const { releases } = this.#deps.store;
    const base = { releaseId: release.id, promotion: promotion.metadata.name, stage: stage.name };
    if (!(await releases.start({ ...base, application: stage.application, environment, manual: by.manual, requestedBy: by.subject, at: this.#deps.now() }))) return false;
    await this.#ledger({ environment, application, actor: by.subject, kind: 'promotion-started', details: { ...base, values: release.values, manual: by.manual } });
    await this.#write(promotion, release, stage, by.subject);
    this.wake();
    return true;
  }

  /** Writes a claimed (promoting) stage's values and leaves it verifying, or failed with the reason. Safe to repeat: a value already set commits nothing. */
  async #write(promotion: Promotion, release: ReleaseRecord, stage: Promotion['spec']['stages'][number], actor: string): Promise<void> {
    const [environment = '', application = ''] = stage.application.split('/');
    const { releases } = this.#deps.store;
    const base = { releaseId: release.id, promotion: promotion.metadata.name, stage: stage.name };
    const event = { environment, application, actor };
    const gitops = this.#deps.gitops;
    try {
      if (gitops === undefined) throw HubErrors.create('HUB_NOT_FOUND', 'this hub writes no Git: it was started without a gitops work folder');
      if ((await this.#deps.store.applications.following(repoKey(promotion.spec.repo))).length === 0) {
        throw HubErrors.create('HUB_REQUEST_INVALID', `no application at this hub follows ${promotion.spec.repo}: the hub writes only to the repositories its agents follow`);
      }
      const edits = stage.set.map((edit) => {
        const value = release.values[edit.value];
        if (value === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `release ${release.id} has no value "${edit.value}"`);
        return { file: edit.file, key: edit.key, value, ...(edit.document === undefined ? {} : { document: edit.document }) };
      });
      const result = await gitops.writers.writer({ repoURL: promotion.spec.repo, ref: promotion.spec.ref }).submit({ edits, origin: { source: `promotion/${promotion.metadata.name}/${stage.name}`, run: release.id } });
      await releases.transition(release.id, stage.name, ['promoting'], { state: 'verifying', revision: result.revision, committedAt: this.#deps.now() });
      await this.#ledger({ ...event, kind: 'promotion-committed', details: { ...base, revision: result.revision, outcome: result.outcome, ...(result.outcome === 'committed' ? { changes: result.changes } : {}) } });
      if (result.outcome === 'committed') await gitops.fanOut(this.#deps, promotion.spec.repo, promotion.spec.ref, result.revision, actor);
    } catch (error) {
      const reason = `writing ${release.id} to ${stage.name} failed: ${message(error)}`;
      if (await releases.transition(release.id, stage.name, ['promoting', 'verifying'], { state: 'failed', message: reason, finishedAt: this.#deps.now() })) {
        await this.#ledger({ ...event, kind: 'promotion-failed', details: { ...base, reason } });
      }
    }
  }

  /**
   * Stages left `promoting` by a hub that stopped mid-write are written again (the write is
   * idempotent). On SQLite every one is this hub's; on PostgreSQL only those older than
   * `RESUME_AFTER_MS`, which no live replica is still writing.
   */
  async #resume(): Promise<void> {
    const now = this.#deps.now();
    for (const record of await this.#deps.store.releases.inFlight()) {
      if (record.state !== 'promoting' || (this.#deps.store.engine !== 'sqlite' && now - record.startedAt < RESUME_AFTER_MS)) continue;
      const loaded = this.#promotions.get(record.promotion);
      const stage = loaded?.promotion.spec.stages.find((s) => s.name === record.stage);
      const release = await this.#deps.store.releases.get(record.releaseId);
      if (loaded === undefined || stage === undefined || release === undefined) continue;
      await this.#ledger({ environment: record.environment, application: record.application.split('/')[1] ?? '', actor: ACTOR, kind: 'promotion-resumed', details: { releaseId: record.releaseId, promotion: record.promotion, stage: record.stage } });
      await this.#write(loaded.promotion, release, stage, record.requestedBy);
    }
  }

  /** The stage named `to`: a stage name, or the environment of a stage's application. */
  stageOf(promotion: Promotion, to: string): Promotion['spec']['stages'][number] {
    const stage = promotion.spec.stages.find((s) => s.name === to) ?? promotion.spec.stages.find((s) => s.application.split('/')[0] === to);
    if (stage === undefined) throw HubErrors.create('HUB_NOT_FOUND', `promotion ${promotion.metadata.name} has no stage or environment "${to}" (stages: ${promotion.spec.stages.map((s) => s.name).join(', ')})`);
    return stage;
  }

  /** A person's promotion: no gates but one in flight; promoting an older release than the stage runs is a rollback and holds the stage. */
  async promoteByHand(releaseId: string, to: string, caller: Actor): Promise<{ held: boolean }> {
    const release = await this.release(releaseId);
    const { promotion } = this.get(release.promotion);
    const stage = this.stageOf(promotion, to);
    const current = currentIn(await this.state(promotion), stage.name);
    const rollback = current !== undefined && release.seq < current.seq;
    if (rollback) await this.hold(promotion.metadata.name, stage.name, `rolled back from ${current.releaseId} to ${release.id}`, caller);
    if (!(await this.promote(promotion, release, stage.name, { subject: caller.subject, manual: true }))) {
      throw HubErrors.create('HUB_CONFLICT', `another release is being promoted to ${stage.name}: try again when it is done`);
    }
    return { held: rollback };
  }

  /** Records `approver`'s approval of a release for a stage; its role must reach the gate's (the route checked the caller may approve there). */
  async approve(releaseId: string, to: string, approver: Actor & { role: 'operator' | 'admin' }): Promise<boolean> {
    const release = await this.release(releaseId);
    const { promotion } = this.get(release.promotion);
    const stage = this.stageOf(promotion, to);
    const needed = stage.gates.approvals?.role ?? 'operator';
    if (needed === 'admin' && approver.role !== 'admin') throw HubErrors.create('HUB_FORBIDDEN', `approving ${stage.name} needs role admin; ${approver.subject} is an operator there`);
    const added = await this.#deps.store.releases.approve({ releaseId, stage: stage.name, approver: approver.subject, role: approver.role, at: this.#deps.now() });
    if (added) await this.#ledger({ environment: stage.application.split('/')[0] ?? '', kind: 'release-approved', actor: approver.subject, details: { releaseId, promotion: promotion.metadata.name, stage: stage.name, role: approver.role } });
    this.wake();
    return added;
  }

  /** The environment and application of the stage `to` of a release's promotion (for the caller's check). */
  async target(releaseId: string, to: string): Promise<{ environment: string; application: string }> {
    const release = await this.release(releaseId);
    return splitApplication(this.stageOf(this.get(release.promotion).promotion, to).application);
  }

  /** The environment and application of a promotion's stage `to`. */
  stageTarget(promotionName: string, to: string): { environment: string; application: string } {
    return splitApplication(this.stageOf(this.get(promotionName).promotion, to).application);
  }

  async hold(promotionName: string, to: string, reason: string, caller: Actor): Promise<string> {
    const { promotion } = this.get(promotionName);
    const stage = this.stageOf(promotion, to);
    await this.#deps.store.releases.hold({ promotion: promotionName, stage: stage.name, by: caller.subject, reason, at: this.#deps.now() });
    await this.#ledger({ environment: stage.application.split('/')[0] ?? '', kind: 'promotion-held', actor: caller.subject, details: { promotion: promotionName, stage: stage.name, reason } });
    return stage.name;
  }

  async unhold(promotionName: string, to: string, caller: Actor): Promise<string> {
    const { promotion } = this.get(promotionName);
    const stage = this.stageOf(promotion, to);
    if (!(await this.#deps.store.releases.unhold(promotionName, stage.name))) throw HubErrors.create('HUB_NOT_FOUND', `${promotionName}/${stage.name} is not held`);
    await this.#ledger({ environment: stage.application.split('/')[0] ?? '', kind: 'promotion-unheld', actor: caller.subject, details: { promotion: promotionName, stage: stage.name } });
    this.wake();
    return stage.name;
  }

  /** Makes a release (values not given come from the newest release); the same values again give the existing one. */
  /** `run`: the pipeline run and job that asked (the hub's record of them, never the caller's words). */
  async createRelease(promotionName: string, values: Record<string, string>, origin: string, actor: string, run?: { id: string; job: string }): Promise<{ created: boolean; release: ReleaseRecord }> {
    const { promotion } = this.get(promotionName);
    const [newest] = await this.#deps.store.releases.list({ promotion: promotionName, limit: 1 });
    const declared = promotion.spec.values.map((v) => v.name);
    const unknown = Object.keys(values).filter((key) => !declared.includes(key));
    if (unknown.length > 0) throw HubErrors.create('HUB_REQUEST_INVALID', `promotion ${promotionName} has no value ${unknown.map((k) => `"${k}"`).join(', ')} (declared: ${declared.join(', ')})`, { field: 'values' });
    const complete: Record<string, string> = {};
    for (const name of declared) {
      const value = values[name] ?? newest?.values[name];
      if (value === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `value "${name}" is missing and no earlier release of ${promotionName} has one`, { field: `values.${name}` });
      complete[name] = value;
    }
    const result = await this.#deps.store.releases.create({ promotion: promotionName, values: complete, origin, ...(run === undefined ? {} : { run }), createdBy: actor, createdAt: this.#deps.now() });
    if (result.created) await this.#ledger({ environment: '', kind: 'release-created', actor, details: { releaseId: result.release.id, promotion: promotionName, values: complete, origin, ...(run === undefined ? {} : { run: run.id, job: run.job }) } });
    this.wake();
    return result;
  }

  async release(id: string): Promise<ReleaseRecord> {
    const release = await this.#deps.store.releases.get(id);
    if (release === undefined) throw HubErrors.create('HUB_NOT_FOUND', `no release "${id}"`);
    return release;
  }

  async #newTag(promotion: string, value: string, tag: string): Promise<void> {
    if (!this.#promotions.has(promotion)) return;
    await this.createRelease(promotion, { [value]: tag }, `image:${tag}`, 'image-automation');
  }

  async #ledger(entry: { environment?: string; application?: string; kind: string; actor?: string; details: Record<string, unknown> }): Promise<void> {
    await this.#deps.store.ledger.append({ environment: entry.environment ?? '', at: this.#deps.now(), kind: entry.kind, ...(entry.application === undefined ? {} : { application: entry.application }), ...(entry.actor === undefined ? {} : { actor: entry.actor }), details: entry.details });
  }
}

function message(error: unknown): string {
  if (isTrueupError(error)) return error.describe();
  return error instanceof Error ? error.message : String(error);
}
