/** Schema versions 1–4: environments, applications, the ledger, commands, tokens, runners, runs and pipelines. */
import type { Migration } from './migration-types.ts';

export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'environments, applications, ledger, commands, tokens',
    sql: ({ id, text }) => `
CREATE TABLE environments (
  name ${text} PRIMARY KEY,
  agent_id TEXT UNIQUE,
  credential_hash TEXT,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  connected INTEGER NOT NULL DEFAULT 0,
  last_seen_at BIGINT,
  agent_version TEXT,
  acked_seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE environment_labels (
  environment ${text} NOT NULL REFERENCES environments (name) ON DELETE CASCADE,
  key ${text} NOT NULL,
  value ${text} NOT NULL,
  PRIMARY KEY (environment, key)
);
CREATE TABLE join_tokens (
  id TEXT PRIMARY KEY,
  environment ${text} NOT NULL,
  labels TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE TABLE applications (
  environment ${text} NOT NULL,
  name ${text} NOT NULL,
  revision ${text} NOT NULL,
  sync ${text} NOT NULL,
  health ${text} NOT NULL,
  last_synced_at BIGINT NOT NULL DEFAULT 0,
  digest TEXT NOT NULL,
  body TEXT NOT NULL,
  version BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (environment, name)
);
CREATE INDEX applications_by_version ON applications (version);
CREATE TABLE events (
  id ${id},
  environment ${text} NOT NULL,
  agent_id TEXT,
  seq BIGINT,
  at BIGINT NOT NULL,
  kind ${text} NOT NULL,
  application ${text},
  actor TEXT,
  body TEXT NOT NULL,
  UNIQUE (agent_id, seq)
);
CREATE INDEX events_by_environment ON events (environment, id);
CREATE TABLE commands (
  id TEXT PRIMARY KEY,
  environment ${text} NOT NULL,
  application ${text} NOT NULL,
  verb TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  delivered_at BIGINT,
  finished_at BIGINT,
  result TEXT
);
CREATE INDEX commands_open ON commands (environment, state, requested_at);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('applications', 0);
`,
  },
  {
    version: 2,
    name: 'the repository and ref each application follows; webhook deliveries seen',
    sql: ({ text }) => `
ALTER TABLE applications ADD COLUMN repo_key ${text} NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN ref ${text} NOT NULL DEFAULT '';
CREATE INDEX applications_by_repo ON applications (repo_key);
CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, received_at BIGINT NOT NULL);
`,
  },
  {
    version: 3,
    name: 'one index per sort order of the application list, live rows only',
    sql: () => `
CREATE INDEX applications_sort_name ON applications (name, environment) WHERE deleted = 0;
CREATE INDEX applications_sort_environment ON applications (environment, name) WHERE deleted = 0;
CREATE INDEX applications_sort_sync ON applications (sync, environment, name) WHERE deleted = 0;
CREATE INDEX applications_sort_health ON applications (health, environment, name) WHERE deleted = 0;
CREATE INDEX applications_sort_revision ON applications (revision, environment, name) WHERE deleted = 0;
CREATE INDEX applications_sort_last_synced ON applications (last_synced_at, environment, name) WHERE deleted = 0;
`,
  },
  {
    version: 4,
    name: 'pipelines: runner tokens, runners, runs and their jobs, tracked repositories and their heads, secrets, environments and approvals',
    sql: ({ text }) => `
CREATE TABLE runner_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE TABLE runners (
  id TEXT PRIMARY KEY,
  name ${text} NOT NULL,
  credential_hash TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  last_seen_at BIGINT
);
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  repository TEXT NOT NULL,
  workflow ${text} NOT NULL,
  event ${text} NOT NULL,
  ref ${text} NOT NULL,
  sha TEXT NOT NULL,
  actor TEXT NOT NULL,
  status ${text} NOT NULL,
  conclusion ${text},
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE TABLE run_jobs (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  job_key ${text} NOT NULL,
  name TEXT NOT NULL,
  environment ${text},
  status ${text} NOT NULL,
  conclusion ${text},
  runner_id TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  note TEXT,
  queued_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  steps TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_id, job_key)
);
CREATE TABLE pipeline_repos (
  repo_key ${text} PRIMARY KEY,
  url TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE pipeline_heads (
  repo_key ${text} NOT NULL REFERENCES pipeline_repos (repo_key) ON DELETE CASCADE,
  ref ${text} NOT NULL,
  sha TEXT NOT NULL,
  PRIMARY KEY (repo_key, ref)
);
CREATE TABLE pipeline_secrets (
  repo_key ${text} NOT NULL,
  environment ${text} NOT NULL,
  name ${text} NOT NULL,
  sealed TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (repo_key, environment, name)
);
CREATE TABLE pipeline_environments (
  name ${text} PRIMARY KEY,
  rules TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE run_approvals (
  run_id TEXT NOT NULL,
  environment ${text} NOT NULL,
  approver TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (run_id, environment, approver)
);
`,
  },
];
