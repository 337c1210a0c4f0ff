/** Schema 17: a job's log kept in the store as it arrives, so every replica serves it and it outlives the hub process. */
import type { Migration } from './migration-types.ts';

export const RUN_LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 17,
    name: 'job logs in the store: chunks numbered per job, the newest kept up to a cap, what was dropped counted, the runner\'s number of the last text written',
    sql: ({ text }) => `
CREATE TABLE run_job_logs (
  run_id ${text} NOT NULL,
  job_key ${text} NOT NULL,
  seq BIGINT NOT NULL,
  text TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  PRIMARY KEY (run_id, job_key, seq)
);
CREATE TABLE run_job_log_heads (
  run_id ${text} NOT NULL,
  job_key ${text} NOT NULL,
  last_seq BIGINT NOT NULL,
  kept_bytes BIGINT NOT NULL,
  dropped_bytes BIGINT NOT NULL,
  runner_seq BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, job_key)
);
`,
  },
];
