/** Schema version 14: adoptions waiting for their branch to be applied, and the run a release came from. */
import type { Migration } from './migration-types.ts';

export const ADOPTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 14,
    name: 'adoptions committed on a branch (self-heal paused until the tracked branch holds their values); the pipeline run and job a release was made by',
    sql: ({ text }) => `
CREATE TABLE adoptions (
  id ${text} PRIMARY KEY,
  environment ${text} NOT NULL,
  application ${text} NOT NULL,
  object TEXT NOT NULL,
  repo_url TEXT NOT NULL,
  tracked TEXT NOT NULL,
  branch TEXT NOT NULL,
  revision TEXT NOT NULL,
  file TEXT NOT NULL,
  fields TEXT NOT NULL,
  state ${text} NOT NULL,
  requested_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  resolved_at BIGINT,
  resolved_revision TEXT
);
CREATE INDEX adoptions_by_state ON adoptions (state, environment, application);
ALTER TABLE releases ADD COLUMN run_id TEXT;
ALTER TABLE releases ADD COLUMN job TEXT
`,
  },
];
