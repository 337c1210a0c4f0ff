/**
 * Schema version 14: adoptions waiting for their branch to be applied; the run a release came
 * from; the commit a ledger entry names, indexed, so "which agents applied this commit" is one
 * indexed read (entries written before are filled in from their bodies).
 */
import type { Migration } from './migration-types.ts';

export const ADOPTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 14,
    name: 'adoptions committed on a branch (self-heal paused until the tracked branch holds their values); the pipeline run and job a release was made by; the revision of ledger entries',
    sql: ({ text, jsonText }) => `
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
ALTER TABLE releases ADD COLUMN job TEXT;
ALTER TABLE events ADD COLUMN revision ${text};
UPDATE events SET revision = ${jsonText('body', 'revision')} WHERE kind IN ('sync', 'gitops-commit', 'promotion-committed', 'deployment');
CREATE INDEX events_by_revision ON events (revision, id)
`,
  },
];
