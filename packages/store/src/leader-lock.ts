/**
 * One holder at a time among hub replicas, for work only one of them should do (the shared Git
 * poll). On PostgreSQL: a session advisory lock held on a connection of its own, so it is let go
 * when that connection (or the replica) dies; on SQLite there is one hub, which always holds it.
 */
import pg from 'pg';

export interface LeaderLock {
  /** Whether this replica holds the lock now: takes it when free, checks its connection when held. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

export const alwaysLeader: LeaderLock = {
  acquire: async () => true,
  release: async () => undefined,
};

/** Advisory lock ids of the hub's single-holder jobs (the migrations use 7242001). */
export const LEADER_LOCKS = { repoPoll: 7242007 } as const;

export function postgresLeaderLock(url: string, lockId: number): LeaderLock {
  let client: pg.Client | undefined;
  let held = false;
  const drop = (): void => {
    const gone = client;
    client = undefined;
    held = false;
    gone?.end().catch(() => undefined);
  };
  return {
    async acquire() {
      try {
        if (client === undefined) {
          const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, query_timeout: 10_000 });
          next.on('error', () => {
            if (client === next) drop();
          });
          client = next;
          await next.connect();
        }
        if (held) {
          await client.query('SELECT 1');
          return true;
        }
        const result = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lockId]);
        held = result.rows[0]?.ok === true;
        return held;
      } catch {
        drop();
        return false;
      }
    },
    async release() {
      const last = client;
      client = undefined;
      if (last === undefined) return;
      if (held) await last.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
      held = false;
      await last.end().catch(() => undefined);
    },
  };
}
