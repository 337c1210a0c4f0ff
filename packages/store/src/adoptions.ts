/**
 * Adoptions committed on a branch other than the one their application follows: the object's
 * self-heal stays paused until the revision its agent applies from the tracked branch holds the
 * adopted values (the branch was merged), then the adoption ends once, by one replica, in one of
 * three states: `applied` (Git holds the values), `superseded` (the tracked branch took the
 * adoption's commit but holds another value), `withdrawn` (resumed by hand, or the branch deleted
 * unmerged). Rows written as `resumed` or `ended` before those names read as applied and withdrawn.
 */
import type { Db, Row } from './db.ts';

export type AdoptionState = 'pending' | 'applied' | 'superseded' | 'withdrawn';

const OLDER_NAMES: Readonly<Record<string, AdoptionState>> = { resumed: 'applied', ended: 'withdrawn' };

export interface AdoptedField {
  path: string;
  value: unknown;
}

export interface AdoptionRecord {
  id: string;
  environment: string;
  application: string;
  /** The object's key (apiVersion/kind/namespace/name). */
  object: string;
  repoURL: string;
  /** The branch the application follows. */
  tracked: string;
  /** The branch the adoption was committed on. */
  branch: string;
  revision: string;
  file: string;
  fields: AdoptedField[];
  state: AdoptionState;
  requestedBy: string;
  createdAt: number;
  resolvedAt?: number | undefined;
  /** The applied revision that held the values (applied) or took the commit (superseded), or '' (withdrawn). */
  resolvedRevision?: string | undefined;
}

export class Adoptions {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(record: Omit<AdoptionRecord, 'state' | 'resolvedAt' | 'resolvedRevision'>): Promise<AdoptionRecord> {
    await this.#db.run('INSERT INTO adoptions (id, environment, application, object, repo_url, tracked, branch, revision, file, fields, state, requested_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [record.id, record.environment, record.application, record.object, record.repoURL, record.tracked, record.branch, record.revision, record.file, JSON.stringify(record.fields), 'pending', record.requestedBy, record.createdAt]);
    return { ...record, state: 'pending' };
  }

  async get(id: string): Promise<AdoptionRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM adoptions WHERE id = ?', [id]);
    return row === undefined ? undefined : toAdoption(row);
  }

  /** Pending adoptions, oldest first; of one application when named. */
  async pending(filter: { environment?: string; application?: string } = {}): Promise<AdoptionRecord[]> {
    const where = ["state = 'pending'"];
    const params: string[] = [];
    if (filter.environment !== undefined) {
      where.push('environment = ?');
      params.push(filter.environment);
    }
    if (filter.application !== undefined) {
      where.push('application = ?');
      params.push(filter.application);
    }
    const rows = await this.#db.all(`SELECT * FROM adoptions WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT 1000`, params);
    return rows.map(toAdoption);
  }

  /** Moves a pending adoption to `state`; false when another caller (or replica) resolved it first. */
  async resolve(id: string, state: Exclude<AdoptionState, 'pending'>, revision: string, at: number): Promise<boolean> {
    const changed = await this.#db.run("UPDATE adoptions SET state = ?, resolved_at = ?, resolved_revision = ? WHERE id = ? AND state = 'pending'", [state, at, revision, id]);
    return changed === 1;
  }
}

function toAdoption(row: Row): AdoptionRecord {
  return {
    id: String(row.id), environment: String(row.environment), application: String(row.application), object: String(row.object),
    repoURL: String(row.repo_url), tracked: String(row.tracked), branch: String(row.branch), revision: String(row.revision), file: String(row.file),
    fields: JSON.parse(String(row.fields)) as AdoptedField[], state: OLDER_NAMES[String(row.state)] ?? (String(row.state) as AdoptionState), requestedBy: String(row.requested_by), createdAt: Number(row.created_at),
    ...(row.resolved_at === null || row.resolved_at === undefined ? {} : { resolvedAt: Number(row.resolved_at) }),
    ...(row.resolved_revision === null || row.resolved_revision === undefined ? {} : { resolvedRevision: String(row.resolved_revision) }),
  };
}
