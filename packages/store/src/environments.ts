/** Environments (one per joined agent), their labels, join tokens and agent credentials. */
import type { Db, Row } from './db.ts';
import { visibilitySql, type Visibility } from './visibility.ts';

export interface JoinTokenRecord {
  id: string;
  environment: string;
  labels: Record<string, string>;
  secretHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | undefined;
}

export interface EnvironmentRecord {
  name: string;
  labels: Record<string, string>;
  agentId: string | undefined;
  createdAt: number;
  revokedAt: number | undefined;
  connected: boolean;
  lastSeenAt: number | undefined;
  agentVersion: string | undefined;
  /** What its agent deploys to (a host root, a Kubernetes cluster), as it said when it last connected; empty before. */
  agentKinds: string[];
  ackedSeq: number;
  applications: number;
  /** Times its agent connected (each counted as the hub recorded it, since the environment was made). */
  connections: number;
}

export interface AgentCredentialRecord {
  environment: string;
  agentId: string;
  credentialHash: string;
  revokedAt: number | undefined;
}

export class Environments {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async createJoinToken(token: Omit<JoinTokenRecord, 'usedAt'>): Promise<void> {
    await this.#db.run('INSERT INTO join_tokens (id, environment, labels, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [token.id, token.environment, JSON.stringify(token.labels), token.secretHash, token.createdAt, token.expiresAt]);
  }

  async joinToken(id: string): Promise<JoinTokenRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM join_tokens WHERE id = ?', [id]);
    return row === undefined ? undefined : {
      id: String(row.id), environment: String(row.environment), labels: JSON.parse(String(row.labels)) as Record<string, string>,
      secretHash: String(row.secret_hash), createdAt: Number(row.created_at), expiresAt: Number(row.expires_at), usedAt: optionalNumber(row.used_at),
    };
  }

  /**
   * Uses a join token once: marks it used and registers (or re-registers) its environment with
   * a new agent credential, in one transaction. False when the token was used or expired meanwhile.
   */
  async join(tokenId: string, agent: { agentId: string; credentialHash: string }, now: number): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const used = await tx.run('UPDATE join_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?', [now, tokenId, now]);
      if (used !== 1) return false;
      const [token] = await tx.all('SELECT environment, labels FROM join_tokens WHERE id = ?', [tokenId]);
      if (token === undefined) return false;
      const environment = String(token.environment);
      // A new agent starts its sequence numbers at 1: the high-water mark starts over with it.
      await tx.run(`INSERT INTO environments (name, agent_id, credential_hash, created_at, acked_seq) VALUES (?, ?, ?, ?, 0)
        ON CONFLICT (name) DO UPDATE SET agent_id = excluded.agent_id, credential_hash = excluded.credential_hash, revoked_at = NULL, acked_seq = 0`,
      [environment, agent.agentId, agent.credentialHash, now]);
      await tx.run('DELETE FROM environment_labels WHERE environment = ?', [environment]);
      for (const [key, value] of Object.entries(JSON.parse(String(token.labels)) as Record<string, string>)) {
        await tx.run('INSERT INTO environment_labels (environment, key, value) VALUES (?, ?, ?)', [environment, key, value]);
      }
      return true;
    });
  }

  async credential(agentId: string): Promise<AgentCredentialRecord | undefined> {
    const [row] = await this.#db.all('SELECT name, agent_id, credential_hash, revoked_at FROM environments WHERE agent_id = ?', [agentId]);
    return row === undefined ? undefined : { environment: String(row.name), agentId: String(row.agent_id), credentialHash: String(row.credential_hash), revokedAt: optionalNumber(row.revoked_at) };
  }

  /** Revokes the environment's agent credential; false when there is no such environment. */
  async revoke(environment: string, now: number): Promise<boolean> {
    return (await this.#db.run('UPDATE environments SET revoked_at = ?, connected = 0 WHERE name = ?', [now, environment])) === 1;
  }

  /** The agent's hello: its version and what it deploys to. */
  /** `accepts`: the hub frames beyond protocol 1 its hello announced (ADR 30). */
  async setAgentInfo(environment: string, version: string, kinds: readonly string[], accepts: readonly string[] = []): Promise<void> {
    await this.#db.run('UPDATE environments SET agent_version = ?, agent_kinds = ?, agent_accepts = ? WHERE name = ?', [version, kinds.join(','), accepts.join(','), environment]);
  }

  /** The environments whose agent announced, at its last hello, that it understands `frame`. */
  async accepting(frame: string): Promise<Set<string>> {
    const rows = await this.#db.all("SELECT name, agent_accepts FROM environments WHERE agent_accepts IS NOT NULL AND agent_accepts <> ''");
    return new Set(rows.filter((row) => String(row.agent_accepts).split(',').includes(frame)).map((row) => String(row.name)));
  }

  /** A connection (`connected`) is also counted: the environment's `connections` moves by one. */
  async setConnected(environment: string, connected: boolean, now: number, agentVersion?: string): Promise<void> {
    await this.#db.run('UPDATE environments SET connected = ?, last_seen_at = ?, agent_version = COALESCE(?, agent_version), connections = connections + ? WHERE name = ?',
      [connected ? 1 : 0, now, agentVersion ?? null, connected ? 1 : 0, environment]);
  }

  /** Marks the environments whose agents this replica holds as seen now (liveness across replicas). */
  async seen(environments: readonly string[], now: number): Promise<void> {
    if (environments.length === 0) return;
    await this.#db.run(`UPDATE environments SET last_seen_at = ?, connected = 1 WHERE name IN (${environments.map(() => '?').join(', ')})`, [now, ...environments]);
  }

  async ackedSeq(environment: string): Promise<number> {
    const [row] = await this.#db.all('SELECT acked_seq FROM environments WHERE name = ?', [environment]);
    return Number(row?.acked_seq ?? 0);
  }

  /** Environments, those `visible` only (default all); each with its number of applications (of those visible). */
  async list(visible: Visibility = 'all'): Promise<EnvironmentRecord[]> {
    const environments = visibilitySql(this.#db.engine, visible, 'e.name');
    const applications = visibilitySql(this.#db.engine, visible, 'a.environment', 'a.name');
    const rows = await this.#db.all(`SELECT e.*, (SELECT COUNT(*) FROM applications a WHERE a.environment = e.name AND a.deleted = 0 AND (${applications.clause})) AS applications
      FROM environments e WHERE ${environments.clause} ORDER BY e.name`, [...applications.params, ...environments.params]);
    const labels = await this.#db.all('SELECT environment, key, value FROM environment_labels ORDER BY environment, key');
    return rows.map((row) => toEnvironment(row, labels.filter((l) => l.environment === row.name)));
  }

  /** An environment's labels (empty for an unknown one). */
  async labels(name: string): Promise<Record<string, string>> {
    const rows = await this.#db.all('SELECT key, value FROM environment_labels WHERE environment = ? ORDER BY key', [name]);
    return Object.fromEntries(rows.map((l) => [String(l.key), String(l.value)]));
  }

  async get(name: string): Promise<EnvironmentRecord | undefined> {
    return (await this.list()).find((e) => e.name === name);
  }
}

function toEnvironment(row: Row, labels: Row[]): EnvironmentRecord {
  return {
    name: String(row.name),
    labels: Object.fromEntries(labels.map((l) => [String(l.key), String(l.value)])),
    agentId: row.agent_id === null ? undefined : String(row.agent_id),
    createdAt: Number(row.created_at),
    revokedAt: optionalNumber(row.revoked_at),
    connected: Number(row.connected) === 1,
    lastSeenAt: optionalNumber(row.last_seen_at),
    agentVersion: row.agent_version === null || row.agent_version === undefined ? undefined : String(row.agent_version),
    agentKinds: typeof row.agent_kinds === 'string' && row.agent_kinds !== '' ? row.agent_kinds.split(',') : [],
    ackedSeq: Number(row.acked_seq),
    applications: Number(row.applications),
    connections: Number(row.connections ?? 0),
  };
}

export function optionalNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}
