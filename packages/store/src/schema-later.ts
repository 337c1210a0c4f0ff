/** Schema versions 5 on: access, link reads, the shared Git poll, artifacts and the job queue, releases, failed logins and OIDC refresh, agents' connection counts, OIDC token followers. */
import type { Migration } from './migration-types.ts';

export const LATER_MIGRATIONS: readonly Migration[] = [
  {
    version: 5,
    name: 'access: users, sessions, per-user API tokens with expiry, projects, roles and grants, pending OIDC logins, the access version',
    sql: ({ text }) => `
CREATE TABLE users (
  name ${text} PRIMARY KEY,
  password_hash TEXT,
  groups TEXT NOT NULL DEFAULT '[]',
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  disabled_at BIGINT
);
ALTER TABLE api_tokens ADD COLUMN owner ${text};
ALTER TABLE api_tokens ADD COLUMN identity TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
CREATE INDEX api_tokens_by_owner ON api_tokens (owner);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  subject ${text} NOT NULL,
  identity TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_subject ON sessions (subject);
CREATE TABLE projects (
  name ${text} PRIMARY KEY,
  environments TEXT NOT NULL,
  applications TEXT NOT NULL,
  labels TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
INSERT INTO projects (name, environments, applications, labels, description, created_by, created_at) VALUES ('*', '["*"]', '["*"]', '{}', 'everything: a role granted here holds everywhere, and only here do admin verbs hold', 'hub', 0);
CREATE TABLE roles (
  name ${text} PRIMARY KEY,
  verbs TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE grants (
  project ${text} NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  subject_kind TEXT NOT NULL,
  subject ${text} NOT NULL,
  role ${text} NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (project, subject_kind, subject, role)
);
CREATE INDEX grants_by_subject ON grants (subject_kind, subject);
CREATE TABLE login_requests (
  id_hash TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('access', 0);
`,
  },
  {
    version: 6,
    name: 'application specs as loaded from Git; reads of objects routed to the replica holding the agent',
    sql: ({ text }) => `
ALTER TABLE applications ADD COLUMN spec TEXT;
CREATE TABLE link_reads (
  id TEXT PRIMARY KEY,
  environment ${text} NOT NULL,
  application ${text} NOT NULL,
  object TEXT NOT NULL,
  what TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  finished_at BIGINT,
  result TEXT
);
CREATE INDEX link_reads_by_time ON link_reads (requested_at);
`,
  },
  {
    version: 7,
    name: 'polled repositories: the URL each application reads, the heads the hub last saw, the ledger by time',
    sql: ({ text }) => `
ALTER TABLE applications ADD COLUMN repo_url TEXT NOT NULL DEFAULT '';
CREATE TABLE polled_heads (
  repo_key ${text} NOT NULL,
  ref ${text} NOT NULL,
  sha TEXT NOT NULL,
  polled_at BIGINT NOT NULL,
  PRIMARY KEY (repo_key, ref)
);
CREATE INDEX events_by_at ON events (at);
`,
  },
  {
    version: 8,
    name: 'run artifacts kept by the hub, sealed credentials of pipeline repositories, the runner job queue shared by replicas',
    sql: ({ id, text }) => `
CREATE TABLE run_artifacts (
  run_id ${text} NOT NULL,
  name ${text} NOT NULL,
  upload_id TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  files INTEGER NOT NULL,
  uploaded_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE TABLE run_artifact_chunks (
  upload_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (upload_id, seq)
);
CREATE INDEX run_artifacts_expiry ON run_artifacts (expires_at);
ALTER TABLE pipeline_repos ADD COLUMN credentials TEXT;
CREATE TABLE runner_job_queue (
  job_key ${text} PRIMARY KEY,
  owner TEXT NOT NULL,
  labels TEXT NOT NULL,
  environment ${text},
  offer TEXT NOT NULL,
  state TEXT NOT NULL,
  claimed_by TEXT,
  queued_at BIGINT NOT NULL
);
CREATE TABLE runner_job_frames (
  id ${id},
  owner TEXT NOT NULL,
  job_key ${text} NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX runner_job_frames_owner ON runner_job_frames (owner, id);
ALTER TABLE runs ADD COLUMN owner TEXT;
ALTER TABLE runs ADD COLUMN owner_seen_at BIGINT
`,
  },
  {
    version: 9,
    name: 'promotion: the repositories promotion files are read from, releases, their stages, approvals and holds',
    sql: ({ text }) => `
CREATE TABLE promotion_sources (
  repo_key ${text} PRIMARY KEY,
  url TEXT NOT NULL,
  ref ${text} NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE releases (
  id ${text} PRIMARY KEY,
  promotion ${text} NOT NULL,
  seq BIGINT NOT NULL,
  content TEXT NOT NULL,
  content_key TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (promotion, seq),
  UNIQUE (promotion, content_key)
);
CREATE TABLE release_stages (
  release_id ${text} NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  stage ${text} NOT NULL,
  promotion ${text} NOT NULL,
  application ${text} NOT NULL,
  environment ${text} NOT NULL,
  state ${text} NOT NULL,
  manual INTEGER NOT NULL DEFAULT 0,
  requested_by TEXT NOT NULL,
  revision TEXT,
  message TEXT,
  started_at BIGINT NOT NULL,
  committed_at BIGINT,
  healthy_at BIGINT,
  finished_at BIGINT,
  PRIMARY KEY (release_id, stage)
);
CREATE INDEX release_stages_by_promotion ON release_stages (promotion, stage, started_at);
CREATE INDEX release_stages_by_environment ON release_stages (environment, started_at);
CREATE INDEX release_stages_by_revision ON release_stages (revision);
CREATE TABLE release_approvals (
  release_id ${text} NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  stage ${text} NOT NULL,
  approver TEXT NOT NULL,
  role ${text} NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (release_id, stage, approver)
);
CREATE TABLE promotion_holds (
  promotion ${text} NOT NULL,
  stage ${text} NOT NULL,
  held_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (promotion, stage)
);
`,
  },
  {
    version: 11,
    name: 'failed logins counted in the store for every replica; what an OIDC session or token holds from its provider: a sealed refresh token, the groups, when they were last checked',
    sql: () => `
CREATE TABLE login_failures (
  key_hash TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_time ON login_failures (last_at);
CREATE TABLE oidc_refresh (
  holder TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  refresh TEXT NOT NULL,
  checked_at BIGINT NOT NULL,
  claimed_at BIGINT
);
`,
  },
  {
    version: 12,
    name: 'environments: how many times each agent connected, counted from the ledger so far and kept from now on',
    sql: () => `
ALTER TABLE environments ADD COLUMN connections BIGINT NOT NULL DEFAULT 0;
UPDATE environments SET connections = (SELECT COUNT(*) FROM events WHERE events.environment = environments.name AND events.kind = 'agent-connected')
`,
  },
  {
    version: 13,
    name: 'runs resumed after a restart: their plan and the outputs of finished jobs',
    sql: () => `
ALTER TABLE runs ADD COLUMN plan TEXT;
ALTER TABLE run_jobs ADD COLUMN outputs TEXT;
`,
  },
  {
    version: 15,
    name: 'environments: what the agent deploys to (host, kubernetes), as its hello said',
    sql: () => `
ALTER TABLE environments ADD COLUMN agent_kinds TEXT;
`,
  },
  {
    version: 19,
    name: 'OIDC: API tokens that follow the login they were made from',
    sql: () => `
CREATE TABLE oidc_followers (
  holder TEXT PRIMARY KEY,
  login TEXT NOT NULL
);
CREATE INDEX oidc_followers_by_login ON oidc_followers (login);
`,
  },
];
