/** API tokens of the hub (the admin token made at first start; users' tokens later), stored hashed. */
import type { Db } from './db.ts';
import { optionalNumber } from './environments.ts';

export interface ApiTokenRecord {
  id: string;
  name: string;
  role: string;
  secretHash: string;
  createdAt: number;
  revokedAt: number | undefined;
}

export class ApiTokens {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async create(token: Omit<ApiTokenRecord, 'revokedAt'>): Promise<void> {
    await this.#db.run('INSERT INTO api_tokens (id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)', [token.id, token.name, token.role, token.secretHash, token.createdAt]);
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return row === undefined ? undefined : { id: String(row.id), name: String(row.name), role: String(row.role), secretHash: String(row.secret_hash), createdAt: Number(row.created_at), revokedAt: optionalNumber(row.revoked_at) };
  }

  async count(): Promise<number> {
    const [row] = await this.#db.all('SELECT COUNT(*) AS n FROM api_tokens WHERE revoked_at IS NULL');
    return Number(row?.n ?? 0);
  }
}
