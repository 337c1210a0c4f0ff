/**
 * Artifacts of pipeline runs, kept by the hub so a job on one runner downloads what a job on
 * another uploaded. The bytes are stored in chunks (base64 text, the same on both engines) under
 * an upload id; an upload becomes the artifact only when complete, in one transaction that also
 * drops the artifact it replaces, so a reader never sees half of one.
 */
import type { Db, Row } from './db.ts';
import { optionalNumber } from './environments.ts';

export interface RunArtifactRecord {
  runId: string;
  name: string;
  uploadId: string;
  bytes: number;
  files: number;
  uploadedBy: string;
  createdAt: number;
  expiresAt: number;
}

export class RunArtifacts {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async putChunk(uploadId: string, seq: number, data: Buffer, now: number): Promise<void> {
    await this.#db.run('INSERT INTO run_artifact_chunks (upload_id, seq, data, created_at) VALUES (?, ?, ?, ?)', [uploadId, seq, data.toString('base64'), now]);
  }

  /** Drops an upload that did not complete. */
  async discard(uploadId: string): Promise<void> {
    await this.#db.run('DELETE FROM run_artifact_chunks WHERE upload_id = ?', [uploadId]);
  }

  /**
   * Makes a complete upload the run's artifact of that name. False (and nothing changed) when
   * one exists and `overwrite` is not set.
   */
  async complete(artifact: RunArtifactRecord, overwrite: boolean): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [previous] = await tx.all('SELECT upload_id FROM run_artifacts WHERE run_id = ? AND name = ?', [artifact.runId, artifact.name]);
      if (previous !== undefined) {
        if (!overwrite) return false;
        await tx.run('DELETE FROM run_artifact_chunks WHERE upload_id = ?', [String(previous.upload_id)]);
        await tx.run('DELETE FROM run_artifacts WHERE run_id = ? AND name = ?', [artifact.runId, artifact.name]);
      }
      await tx.run('INSERT INTO run_artifacts (run_id, name, upload_id, bytes, files, uploaded_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [artifact.runId, artifact.name, artifact.uploadId, artifact.bytes, artifact.files, artifact.uploadedBy, artifact.createdAt, artifact.expiresAt]);
      return true;
    });
  }

  /** The run's artifacts not expired at `now`, by name. */
  async list(runId: string, now: number): Promise<RunArtifactRecord[]> {
    return (await this.#db.all('SELECT * FROM run_artifacts WHERE run_id = ? AND expires_at > ? ORDER BY name', [runId, now])).map(toArtifact);
  }

  async get(runId: string, name: string, now: number): Promise<RunArtifactRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM run_artifacts WHERE run_id = ? AND name = ? AND expires_at > ?', [runId, name, now]);
    return row === undefined ? undefined : toArtifact(row);
  }

  /** One chunk of an upload, or undefined past the last. */
  async chunk(uploadId: string, seq: number): Promise<Buffer | undefined> {
    const [row] = await this.#db.all('SELECT data FROM run_artifact_chunks WHERE upload_id = ? AND seq = ?', [uploadId, seq]);
    return row === undefined ? undefined : Buffer.from(String(row.data), 'base64');
  }

  /**
   * Removes expired artifacts, and chunks of uploads that never completed and are older than
   * `staleBefore`. Returns the artifacts removed.
   */
  async sweep(now: number, staleBefore: number): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM run_artifact_chunks WHERE upload_id IN (SELECT upload_id FROM run_artifacts WHERE expires_at <= ?)', [now]);
      const removed = await tx.run('DELETE FROM run_artifacts WHERE expires_at <= ?', [now]);
      await tx.run('DELETE FROM run_artifact_chunks WHERE created_at < ? AND upload_id NOT IN (SELECT upload_id FROM run_artifacts)', [staleBefore]);
      return removed;
    });
  }
}

function toArtifact(row: Row): RunArtifactRecord {
  return {
    runId: String(row.run_id), name: String(row.name), uploadId: String(row.upload_id), bytes: Number(row.bytes), files: Number(row.files),
    uploadedBy: String(row.uploaded_by), createdAt: Number(row.created_at), expiresAt: optionalNumber(row.expires_at) ?? 0,
  };
}
