/**
 * The agent's state in SQLite under `--state-dir`: status, inventory, history and drift events.
 * It survives restarts, and the CLI reads it while the agent runs (WAL mode).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import { keyId, parseKeyId, type ApplicationStatus, type DriftEvent, type HistoryEntry, type ObjectKey, type SelfHealPause } from '@trueup/api';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS status (application TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inventory (application TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (application, key));
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, application TEXT NOT NULL, revision TEXT NOT NULL, trigger TEXT NOT NULL,
  result TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL, changes TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_app ON history (application, id);
CREATE TABLE IF NOT EXISTS drift (
  id INTEGER PRIMARY KEY AUTOINCREMENT, application TEXT NOT NULL, key TEXT NOT NULL, source TEXT NOT NULL,
  fields TEXT NOT NULL, changed_by TEXT, detected_at TEXT NOT NULL, healed_at TEXT);
CREATE INDEX IF NOT EXISTS drift_by_app ON drift (application, id);
CREATE TABLE IF NOT EXISTS children (parent TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (parent, name));
CREATE TABLE IF NOT EXISTS self_heal_pause (application TEXT NOT NULL, object TEXT NOT NULL, paused_by TEXT NOT NULL, paused_at TEXT NOT NULL, PRIMARY KEY (application, object));
`;

/** Rows kept per application; older history and drift events are dropped. */
const KEEP_ROWS = 1000;

export type NewHistoryEntry = Omit<HistoryEntry, 'id'>;
export type NewDriftEvent = Omit<DriftEvent, 'id'>;

export class StateStore {
  readonly #db: DatabaseSync;

  constructor(stateDir: string, options: { readOnly?: boolean } = {}) {
    if (options.readOnly !== true) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const file = join(stateDir, 'state.db');
    this.#db = new DatabaseSync(file, { readOnly: options.readOnly === true, timeout: 5000 });
    if (options.readOnly !== true) {
      // Statuses hold diffs of files other users may not read: owner only, whatever the umask or the dir's mode.
      // SQLite gives the -wal and -shm files it creates the mode of the database file.
      for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      this.#db.exec(SCHEMA);
    }
  }

  saveStatus(status: ApplicationStatus): void {
    this.#db.prepare('INSERT INTO status (application, body) VALUES (?, ?) ON CONFLICT (application) DO UPDATE SET body = excluded.body')
      .run(status.name, JSON.stringify(status));
  }

  statuses(): ApplicationStatus[] {
    return this.#rows('SELECT body FROM status ORDER BY application').map((row) => JSON.parse(String(row.body)) as ApplicationStatus);
  }

  status(application: string): ApplicationStatus | undefined {
    const row = this.#db.prepare('SELECT body FROM status WHERE application = ?').get(application);
    return row === undefined ? undefined : (JSON.parse(String(row.body)) as ApplicationStatus);
  }

  inventory(application: string): ObjectKey[] {
    return this.#rows('SELECT key FROM inventory WHERE application = ? ORDER BY key', application).map((row) => parseKeyId(String(row.key)));
  }

  saveInventory(application: string, keys: readonly ObjectKey[]): void {
    this.#transaction(() => {
      this.#db.prepare('DELETE FROM inventory WHERE application = ?').run(application);
      const insert = this.#db.prepare('INSERT INTO inventory (application, key) VALUES (?, ?)');
      for (const key of keys) insert.run(application, keyId(key));
    });
  }

  appendHistory(entry: NewHistoryEntry): number {
    const result = this.#db.prepare('INSERT INTO history (application, revision, trigger, result, started_at, finished_at, changes, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(entry.application, entry.revision, entry.trigger, entry.result, entry.startedAt, entry.finishedAt, JSON.stringify(entry.changes), entry.message);
    this.#db.prepare('DELETE FROM history WHERE application = ? AND id <= ?').run(entry.application, Number(result.lastInsertRowid) - KEEP_ROWS);
    return Number(result.lastInsertRowid);
  }

  history(application: string, limit = 50): HistoryEntry[] {
    return this.#rows('SELECT * FROM history WHERE application = ? ORDER BY id DESC LIMIT ?', application, limit).map((row) => ({
      id: Number(row.id),
      application: String(row.application),
      revision: String(row.revision),
      trigger: String(row.trigger) as HistoryEntry['trigger'],
      result: String(row.result) as HistoryEntry['result'],
      startedAt: String(row.started_at),
      finishedAt: String(row.finished_at),
      changes: JSON.parse(String(row.changes)) as HistoryEntry['changes'],
      message: String(row.message),
    }));
  }

  recordDrift(event: NewDriftEvent): number {
    const result = this.#db.prepare('INSERT INTO drift (application, key, source, fields, changed_by, detected_at, healed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(event.application, keyId(event.key), event.source, JSON.stringify(event.fields), event.changedBy ?? null, event.detectedAt, event.healedAt ?? null);
    this.#db.prepare('DELETE FROM drift WHERE application = ? AND id <= ?').run(event.application, Number(result.lastInsertRowid) - KEEP_ROWS);
    return Number(result.lastInsertRowid);
  }

  markHealed(id: number, healedAt: string): void {
    this.#db.prepare('UPDATE drift SET healed_at = ? WHERE id = ?').run(healedAt, id);
  }

  driftEvents(application: string, limit = 50): DriftEvent[] {
    return this.#rows('SELECT * FROM drift WHERE application = ? ORDER BY id DESC LIMIT ?', application, limit).map((row) => {
      const event: DriftEvent = {
        id: Number(row.id),
        application: String(row.application),
        key: parseKeyId(String(row.key)),
        source: String(row.source) as DriftEvent['source'],
        fields: JSON.parse(String(row.fields)) as string[],
        detectedAt: String(row.detected_at),
      };
      if (typeof row.changed_by === 'string') event.changedBy = row.changed_by;
      if (typeof row.healed_at === 'string') event.healedAt = row.healed_at;
      return event;
    });
  }

  /** The applications Git last declared in `parent` (app of apps) that the agent ran, as saved by `saveChild`. */
  children(parent: string): { name: string; body: string }[] {
    return this.#rows('SELECT name, body FROM children WHERE parent = ? ORDER BY name', parent).map((row) => ({ name: String(row.name), body: String(row.body) }));
  }

  saveChild(parent: string, name: string, body: string): void {
    this.#db.prepare('INSERT INTO children (parent, name, body) VALUES (?, ?, ?) ON CONFLICT (parent, name) DO UPDATE SET body = excluded.body').run(parent, name, body);
  }

  /** Drops an application's status and inventory (it no longer runs and its objects are gone); its history stays. */
  forgetApplication(application: string): void {
    this.#transaction(() => {
      this.#db.prepare('DELETE FROM status WHERE application = ?').run(application);
      this.#db.prepare('DELETE FROM inventory WHERE application = ?').run(application);
    });
  }

  forgetChild(parent: string, name: string): void {
    this.#db.prepare('DELETE FROM children WHERE parent = ? AND name = ?').run(parent, name);
  }

  /** Pauses of self-heal of an application: the whole of it under `''`, else by object key id. */
  selfHealPauses(application: string): Map<string, SelfHealPause> {
    return new Map(this.#rows('SELECT object, paused_by, paused_at FROM self_heal_pause WHERE application = ? ORDER BY object', application)
      .map((row) => [String(row.object), { by: String(row.paused_by), at: String(row.paused_at) }]));
  }

  /** Pauses self-heal of the application (`object` '') or of one object; a pause in force keeps who and when. */
  pauseSelfHeal(application: string, object: string, pause: SelfHealPause): void {
    this.#db.prepare('INSERT INTO self_heal_pause (application, object, paused_by, paused_at) VALUES (?, ?, ?, ?) ON CONFLICT (application, object) DO NOTHING')
      .run(application, object, pause.by, pause.at);
  }

  /** Resumes one object's self-heal, or (object undefined) every pause of the application; returns how many ended. */
  resumeSelfHeal(application: string, object?: string): number {
    const result = object === undefined
      ? this.#db.prepare('DELETE FROM self_heal_pause WHERE application = ?').run(application)
      : this.#db.prepare('DELETE FROM self_heal_pause WHERE application = ? AND object = ?').run(application, object);
    return Number(result.changes);
  }

  close(): void {
    this.#db.close();
  }

  #rows(sql: string, ...params: (string | number)[]): Record<string, SQLOutputValue>[] {
    return this.#db.prepare(sql).all(...params);
  }

  #transaction(body: () => void): void {
    this.#db.exec('BEGIN');
    try {
      body();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
