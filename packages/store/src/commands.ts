/** Commands from the hub to an agent: persisted with an id, queued while it is away, finished with its result. */
import type { CommandResult, CommandVerb, LinkCommand } from '@trueup/api';
import type { Db, Row } from './db.ts';

export type CommandState = 'queued' | 'delivered' | 'succeeded' | 'failed';

export interface CommandRecord {
  id: string;
  environment: string;
  application: string;
  verb: CommandVerb;
  prune?: boolean;
  dryRun?: boolean;
  /** pause/resume of one object (key id). */
  object?: string;
  state: CommandState;
  requestedBy: string;
  /** ISO 8601. */
  requestedAt: string;
  deliveredAt?: string;
  finishedAt?: string;
  result?: CommandResult;
}

export class Commands {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Persists a command and its ledger entry in one transaction. */
  async create(command: LinkCommand, environment: string, requestedBy: string, now: number): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const args = argsOf(command);
      await tx.run("INSERT INTO commands (id, environment, application, verb, args, state, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
        [command.id, environment, command.application, command.verb, JSON.stringify(args), requestedBy, now]);
      await tx.run('INSERT INTO events (environment, at, kind, application, actor, body) VALUES (?, ?, ?, ?, ?, ?)',
        [environment, now, 'command-requested', command.application, requestedBy, JSON.stringify({ id: command.id, verb: command.verb, ...args })]);
    });
  }

  /**
   * Persists many commands (a push fanned out) and their ledger entries in one transaction:
   * thousands cost one commit.
   */
  async createMany(commands: readonly { command: LinkCommand; environment: string }[], requestedBy: string, now: number): Promise<void> {
    if (commands.length === 0) return;
    const rows = commands.map(({ command, environment }) => {
      const args = argsOf(command);
      return { command, environment, args: JSON.stringify(args), body: JSON.stringify({ id: command.id, verb: command.verb, ...args }) };
    });
    await this.#db.transaction(async (tx) => {
      if (tx.engine === 'postgres') {
        // One statement per table whatever the number of rows: the rows go as one JSON parameter.
        const json = JSON.stringify(rows.map((r) => ({ id: r.command.id, environment: r.environment, application: r.command.application, verb: r.command.verb, args: r.args, body: r.body })));
        await tx.run(`INSERT INTO commands (id, environment, application, verb, args, state, requested_by, requested_at)
          SELECT id, environment, application, verb, args, 'queued', ?, ? FROM jsonb_to_recordset(?::jsonb) AS c (id text, environment text, application text, verb text, args text)`, [requestedBy, now, json]);
        await tx.run(`INSERT INTO events (environment, at, kind, application, actor, body)
          SELECT environment, ?, 'command-requested', application, ?, body FROM jsonb_to_recordset(?::jsonb) AS e (environment text, application text, body text)`, [now, requestedBy, json]);
        return;
      }
      // SQLite in process: the same two prepared statements run once per row cost less than
      // compiling multi-row statements.
      for (const { command, environment, args, body } of rows) {
        await tx.run("INSERT INTO commands (id, environment, application, verb, args, state, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
          [command.id, environment, command.application, command.verb, args, requestedBy, now]);
        await tx.run("INSERT INTO events (environment, at, kind, application, actor, body) VALUES (?, ?, 'command-requested', ?, ?, ?)",
          [environment, now, command.application, requestedBy, body]);
      }
    });
  }

  /** Marks sent commands delivered, in one statement per few hundred. */
  async deliveredMany(ids: readonly string[], now: number): Promise<void> {
    for (let start = 0; start < ids.length; start += CREATE_CHUNK) {
      const chunk = ids.slice(start, start + CREATE_CHUNK);
      await this.#db.run(`UPDATE commands SET state = 'delivered', delivered_at = ? WHERE state = 'queued' AND id IN (${chunk.map(() => '?').join(', ')})`, [now, ...chunk]);
    }
  }

  /**
   * Commands not finished, oldest first: delivered again after a reconnect (the verbs are
   * idempotent). `undelivered` leaves out those sent already.
   */
  async open(environment: string, options: { undelivered?: boolean } = {}): Promise<LinkCommand[]> {
    const states = options.undelivered === true ? "('queued')" : "('queued', 'delivered')";
    const rows = await this.#db.all(`SELECT * FROM commands WHERE environment = ? AND state IN ${states} ORDER BY requested_at, id`, [environment]);
    return rows.map((row) => toLinkCommand(row));
  }

  async delivered(id: string, now: number): Promise<void> {
    await this.#db.run("UPDATE commands SET state = 'delivered', delivered_at = ? WHERE id = ? AND state = 'queued'", [now, id]);
  }

  /** Records the agent's result once; a repeated result (after a resend) changes nothing. */
  async finish(id: string, environment: string, result: CommandResult, now: number): Promise<boolean> {
    const [changed] = await this.finishMany([{ id, environment, result }], now);
    return changed === true;
  }

  /**
   * `finish` for results that arrived together, in one transaction: each is recorded once
   * (with its ledger entry); the answer says, per result, whether it was new.
   */
  async finishMany(results: readonly { id: string; environment: string; result: CommandResult }[], now: number): Promise<boolean[]> {
    if (results.length === 0) return [];
    return this.#db.transaction(async (tx) => {
      const changes: boolean[] = [];
      for (const { id, environment, result } of results) {
        // RETURNING: the ledger entry's fields come with the update, not from a second read.
        const [row] = await tx.all("UPDATE commands SET state = ?, finished_at = ?, result = ? WHERE id = ? AND environment = ? AND state IN ('queued', 'delivered') RETURNING application, requested_by",
          [result.ok ? 'succeeded' : 'failed', now, JSON.stringify(result), id, environment]);
        changes.push(row !== undefined);
        if (row === undefined) continue;
        await tx.run("INSERT INTO events (environment, at, kind, application, actor, body) VALUES (?, ?, 'command-finished', ?, ?, ?)",
          [environment, now, String(row.application), String(row.requested_by), JSON.stringify({ id, ...result })]);
      }
      return changes;
    });
  }

  async get(id: string): Promise<CommandRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM commands WHERE id = ?', [id]);
    if (row === undefined) return undefined;
    const command = toLinkCommand(row);
    const { requestedBy: _requestedBy, ...fields } = command;
    return {
      ...fields,
      environment: String(row.environment),
      state: String(row.state) as CommandState,
      requestedBy: String(row.requested_by),
      requestedAt: iso(row.requested_at) ?? '',
      ...(iso(row.delivered_at) === undefined ? {} : { deliveredAt: iso(row.delivered_at) }),
      ...(iso(row.finished_at) === undefined ? {} : { finishedAt: iso(row.finished_at) }),
      ...(row.result === null ? {} : { result: JSON.parse(String(row.result)) as CommandResult }),
    } as CommandRecord;
  }
}

/** Rows per multi-row statement: well below either engine's limit on parameters. */
const CREATE_CHUNK = 400;

function argsOf(command: LinkCommand): { prune?: boolean; dryRun?: boolean; object?: LinkCommand['object'] } {
  return { ...(command.prune === undefined ? {} : { prune: command.prune }), ...(command.dryRun === undefined ? {} : { dryRun: command.dryRun }), ...(command.object === undefined ? {} : { object: command.object }) };
}

/** The command as the agent gets it, with who asked (the agent shows it on a pause). */
function toLinkCommand(row: Row): LinkCommand {
  const args = JSON.parse(String(row.args)) as { prune?: boolean; dryRun?: boolean; object?: string };
  return { id: String(row.id), verb: String(row.verb) as CommandVerb, application: String(row.application), ...args, requestedBy: String(row.requested_by).slice(0, 253) };
}

function iso(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : new Date(Number(value)).toISOString();
}
