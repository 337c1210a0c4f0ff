/**
 * Releases and their promotion: the repositories promotion files are read from, releases
 * (immutable values of one promotion, numbered per promotion), the record of each stage a release
 * reached (one in flight per stage at a time), approvals and holds.
 */
import { createHash } from 'node:crypto';
import type { Db, Param, Row } from './db.ts';

export type ReleaseStageState = 'promoting' | 'verifying' | 'healthy' | 'failed';

export interface PromotionSourceRecord {
  key: string;
  url: string;
  ref: string;
  createdBy: string;
  createdAt: number;
}

export interface ReleaseRecord {
  id: string;
  promotion: string;
  seq: number;
  values: Record<string, string>;
  origin: string;
  /** The pipeline run and job that made it, when a job did. */
  run?: { id: string; job: string } | undefined;
  createdBy: string;
  createdAt: number;
}

export interface ReleaseStageRecord {
  releaseId: string;
  seq: number;
  stage: string;
  promotion: string;
  application: string;
  environment: string;
  state: ReleaseStageState;
  manual: boolean;
  requestedBy: string;
  revision?: string | undefined;
  message?: string | undefined;
  startedAt: number;
  committedAt?: number | undefined;
  healthyAt?: number | undefined;
  finishedAt?: number | undefined;
}

export interface ApprovalRecord {
  releaseId: string;
  stage: string;
  approver: string;
  role: string;
  at: number;
}

export interface HoldRecord {
  promotion: string;
  stage: string;
  by: string;
  reason: string;
  at: number;
}

/** Advisory lock key serialising stage starts across replicas (PostgreSQL). */
const STAGE_LOCK = 7242009;
const IN_FLIGHT = "('promoting', 'verifying')";

export class Releases {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async addSource(source: PromotionSourceRecord): Promise<boolean> {
    const existing = await this.#db.all('SELECT 1 AS found FROM promotion_sources WHERE repo_key = ?', [source.key]);
    if (existing.length > 0) return false;
    await this.#db.run('INSERT INTO promotion_sources (repo_key, url, ref, created_by, created_at) VALUES (?, ?, ?, ?, ?)', [source.key, source.url, source.ref, source.createdBy, source.createdAt]);
    return true;
  }

  async sources(): Promise<PromotionSourceRecord[]> {
    return (await this.#db.all('SELECT * FROM promotion_sources ORDER BY repo_key')).map((row) => ({
      key: String(row.repo_key), url: String(row.url), ref: String(row.ref), createdBy: String(row.created_by), createdAt: Number(row.created_at),
    }));
  }

  /**
   * Makes the next release of `promotion` with these values; when a release with the same values
   * exists, returns it instead (`created: false`): image automation asking twice makes one release.
   */
  async create(release: { promotion: string; values: Record<string, string>; origin: string; run?: { id: string; job: string } | undefined; createdBy: string; createdAt: number }): Promise<{ created: boolean; release: ReleaseRecord }> {
    const contentKey = valuesKey(release.values);
    return this.#db.transaction(async (tx) => {
      if (this.#db.engine === 'postgres') await tx.all(`SELECT pg_advisory_xact_lock(${STAGE_LOCK + 1})`);
      const [same] = await tx.all('SELECT * FROM releases WHERE promotion = ? AND content_key = ?', [release.promotion, contentKey]);
      if (same !== undefined) return { created: false, release: toRelease(same) };
      const [last] = await tx.all('SELECT MAX(seq) AS seq FROM releases WHERE promotion = ?', [release.promotion]);
      const seq = Number(last?.seq ?? 0) + 1;
      const id = `${release.promotion}-${seq}`;
      await tx.run('INSERT INTO releases (id, promotion, seq, content, content_key, origin, created_by, created_at, run_id, job) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [id, release.promotion, seq, JSON.stringify(release.values), contentKey, release.origin, release.createdBy, release.createdAt, release.run?.id ?? null, release.run?.job ?? null]);
      return { created: true, release: { id, seq, ...release } };
    });
  }

  async get(id: string): Promise<ReleaseRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM releases WHERE id = ?', [id]);
    return row === undefined ? undefined : toRelease(row);
  }

  /**
   * The release a user names: its id, else the newest release whose promotion wrote the commit
   * `term` (a full SHA or an abbreviation of 7 or more hex digits), else the newest that bundles
   * the value `term` (an image tag or digest).
   */
  async find(term: string): Promise<ReleaseRecord | undefined> {
    const byId = await this.get(term);
    if (byId !== undefined) return byId;
    if (/^[0-9a-f]{7,64}$/i.test(term)) {
      const lower = term.toLowerCase();
      const rows = lower.length >= 40
        ? await this.#db.all('SELECT r.* FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.revision = ? ORDER BY s.started_at DESC LIMIT 1', [lower])
        : await this.#db.all('SELECT r.* FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.revision >= ? AND s.revision < ? ORDER BY s.started_at DESC LIMIT 1', [lower, `${lower}g`]);
      if (rows[0] !== undefined) return toRelease(rows[0]);
    }
    const escaped = JSON.stringify(term);
    const candidates = await this.#db.all("SELECT * FROM releases WHERE content LIKE ? ESCAPE '\\' ORDER BY created_at DESC, seq DESC LIMIT 50", [`%${escaped.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    const found = candidates.map(toRelease).find((release) => Object.values(release.values).includes(term));
    return found;
  }

  /** Newest first; with `environment`, only releases that reached it, by when they started there. */
  async list(query: { promotion?: string | undefined; environment?: string | undefined; limit: number }): Promise<ReleaseRecord[]> {
    if (query.environment !== undefined) {
      const params: Param[] = [query.environment];
      const promotion = query.promotion === undefined ? '' : 'AND s.promotion = ?';
      if (query.promotion !== undefined) params.push(query.promotion);
      const rows = await this.#db.all(`SELECT r.* FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.environment = ? ${promotion} ORDER BY s.started_at DESC, r.seq DESC LIMIT ?`, [...params, query.limit]);
      return rows.map(toRelease);
    }
    const where = query.promotion === undefined ? '' : 'WHERE promotion = ?';
    const rows = await this.#db.all(`SELECT * FROM releases ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`, [...(query.promotion === undefined ? [] : [query.promotion]), query.limit]);
    return rows.map(toRelease);
  }

  /** The newest `limit` releases of a promotion, oldest first: what the engine decides from. */
  async recent(promotion: string, limit = 50): Promise<ReleaseRecord[]> {
    const rows = await this.#db.all('SELECT * FROM releases WHERE promotion = ? ORDER BY seq DESC LIMIT ?', [promotion, limit]);
    return rows.map(toRelease).reverse();
  }

  async stages(query: { promotion?: string; releaseIds?: readonly string[] }): Promise<ReleaseStageRecord[]> {
    const where: string[] = [];
    const params: Param[] = [];
    if (query.promotion !== undefined) {
      where.push('s.promotion = ?');
      params.push(query.promotion);
    }
    if (query.releaseIds !== undefined) {
      if (query.releaseIds.length === 0) return [];
      where.push(`s.release_id IN (${query.releaseIds.map(() => '?').join(', ')})`);
      params.push(...query.releaseIds);
    }
    const rows = await this.#db.all(`SELECT s.*, r.seq FROM release_stages s JOIN releases r ON r.id = s.release_id ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY s.started_at, r.seq`, params);
    return rows.map(toStage);
  }

  /**
   * The stage records a promotion's decisions need, whatever its history's length: every record of
   * `releaseIds` (its recent releases), the one started last in each of `stageNames` (what the stage
   * runs now, however old) and those in flight. Index reads only.
   */
  async working(promotion: string, stageNames: readonly string[], releaseIds: readonly string[]): Promise<ReleaseStageRecord[]> {
    const byKey = new Map<string, ReleaseStageRecord>();
    const add = (rows: Row[]): void => {
      for (const record of rows.map(toStage)) byKey.set(`${record.releaseId}\u0000${record.stage}`, record);
    };
    if (releaseIds.length > 0) add(await this.#db.all(`SELECT s.*, r.seq FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.release_id IN (${releaseIds.map(() => '?').join(', ')})`, [...releaseIds]));
    for (const stage of stageNames) {
      // Ties on the start time: every record started then (currentIn tells them apart by seq).
      add(await this.#db.all('SELECT s.*, r.seq FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.promotion = ? AND s.stage = ? AND s.started_at = (SELECT MAX(started_at) FROM release_stages WHERE promotion = ? AND stage = ?)', [promotion, stage, promotion, stage]));
    }
    add(await this.#db.all(`SELECT s.*, r.seq FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.promotion = ? AND s.state IN ${IN_FLIGHT}`, [promotion]));
    return [...byKey.values()].sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq);
  }

  /** The releases of these ids that exist, in no particular order. */
  async getMany(ids: readonly string[]): Promise<ReleaseRecord[]> {
    if (ids.length === 0) return [];
    return (await this.#db.all(`SELECT * FROM releases WHERE id IN (${ids.map(() => '?').join(', ')})`, [...ids])).map(toRelease);
  }

  /** Stage records still in flight (promoting or verifying), across promotions. */
  async inFlight(): Promise<ReleaseStageRecord[]> {
    return (await this.#db.all(`SELECT s.*, r.seq FROM release_stages s JOIN releases r ON r.id = s.release_id WHERE s.state IN ${IN_FLIGHT} ORDER BY s.started_at`)).map(toStage);
  }

  /**
   * Starts `release` in `stage`: false, changing nothing, while another release is in flight there.
   * A release promoted again to a stage (a rollback) starts a fresh record.
   */
  async start(record: { releaseId: string; promotion: string; stage: string; application: string; environment: string; manual: boolean; requestedBy: string; at: number }): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if (this.#db.engine === 'postgres') await tx.all(`SELECT pg_advisory_xact_lock(${STAGE_LOCK})`);
      const busy = await tx.all(`SELECT 1 AS busy FROM release_stages WHERE promotion = ? AND stage = ? AND state IN ${IN_FLIGHT}`, [record.promotion, record.stage]);
      if (busy.length > 0) return false;
      await tx.run('DELETE FROM release_stages WHERE release_id = ? AND stage = ?', [record.releaseId, record.stage]);
      await tx.run('INSERT INTO release_stages (release_id, stage, promotion, application, environment, state, manual, requested_by, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [record.releaseId, record.stage, record.promotion, record.application, record.environment, 'promoting', record.manual ? 1 : 0, record.requestedBy, record.at]);
      return true;
    });
  }

  /** Moves a stage record on; returns false when it is not in `from` (another replica moved it). */
  async transition(releaseId: string, stage: string, from: readonly ReleaseStageState[], change: { state: ReleaseStageState; revision?: string; message?: string; committedAt?: number; healthyAt?: number; finishedAt?: number }): Promise<boolean> {
    const sets = ['state = ?'];
    const params: Param[] = [change.state];
    for (const [column, value] of [['revision', change.revision], ['message', change.message], ['committed_at', change.committedAt], ['healthy_at', change.healthyAt], ['finished_at', change.finishedAt]] as const) {
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    const changed = await this.#db.run(`UPDATE release_stages SET ${sets.join(', ')} WHERE release_id = ? AND stage = ? AND state IN (${from.map(() => '?').join(', ')})`, [...params, releaseId, stage, ...from]);
    return changed === 1;
  }

  /** Records an approval; false when this approver had already approved. */
  async approve(approval: ApprovalRecord): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const seen = await tx.all('SELECT 1 AS seen FROM release_approvals WHERE release_id = ? AND stage = ? AND approver = ?', [approval.releaseId, approval.stage, approval.approver]);
      if (seen.length > 0) return false;
      await tx.run('INSERT INTO release_approvals (release_id, stage, approver, role, at) VALUES (?, ?, ?, ?, ?)', [approval.releaseId, approval.stage, approval.approver, approval.role, approval.at]);
      return true;
    });
  }

  async approvals(releaseIds: readonly string[]): Promise<ApprovalRecord[]> {
    if (releaseIds.length === 0) return [];
    const rows = await this.#db.all(`SELECT * FROM release_approvals WHERE release_id IN (${releaseIds.map(() => '?').join(', ')}) ORDER BY at, approver`, [...releaseIds]);
    return rows.map((row) => ({ releaseId: String(row.release_id), stage: String(row.stage), approver: String(row.approver), role: String(row.role), at: Number(row.at) }));
  }

  /** Sets (or replaces) the hold on a stage. */
  async hold(hold: HoldRecord): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM promotion_holds WHERE promotion = ? AND stage = ?', [hold.promotion, hold.stage]);
      await tx.run('INSERT INTO promotion_holds (promotion, stage, held_by, reason, at) VALUES (?, ?, ?, ?, ?)', [hold.promotion, hold.stage, hold.by, hold.reason, hold.at]);
    });
  }

  /** Releases a hold; false when there was none. */
  async unhold(promotion: string, stage: string): Promise<boolean> {
    return (await this.#db.run('DELETE FROM promotion_holds WHERE promotion = ? AND stage = ?', [promotion, stage])) === 1;
  }

  async holds(promotion?: string): Promise<HoldRecord[]> {
    const rows = await this.#db.all(`SELECT * FROM promotion_holds ${promotion === undefined ? '' : 'WHERE promotion = ?'} ORDER BY promotion, stage`, promotion === undefined ? [] : [promotion]);
    return rows.map((row) => ({ promotion: String(row.promotion), stage: String(row.stage), by: String(row.held_by), reason: String(row.reason), at: Number(row.at) }));
  }
}

/** The same values in any key order give the same key. */
export function valuesKey(values: Record<string, string>): string {
  const sorted = Object.keys(values).sort().map((key) => [key, values[key]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

function toRelease(row: Row): ReleaseRecord {
  return {
    id: String(row.id), promotion: String(row.promotion), seq: Number(row.seq), values: JSON.parse(String(row.content)) as Record<string, string>,
    origin: String(row.origin), createdBy: String(row.created_by), createdAt: Number(row.created_at),
    ...(row.run_id === null || row.run_id === undefined ? {} : { run: { id: String(row.run_id), job: String(row.job ?? '') } }),
  };
}

function toStage(row: Row): ReleaseStageRecord {
  const optional = (value: Row[string] | undefined): number | undefined => (value === null || value === undefined ? undefined : Number(value));
  return {
    releaseId: String(row.release_id), seq: Number(row.seq), stage: String(row.stage), promotion: String(row.promotion), application: String(row.application), environment: String(row.environment),
    state: String(row.state) as ReleaseStageState, manual: Number(row.manual) === 1, requestedBy: String(row.requested_by),
    revision: row.revision === null ? undefined : String(row.revision), message: row.message === null ? undefined : String(row.message),
    startedAt: Number(row.started_at), committedAt: optional(row.committed_at), healthyAt: optional(row.healthy_at), finishedAt: optional(row.finished_at),
  };
}

