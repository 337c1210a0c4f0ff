/**
 * The hub's schema: numbered, forward-only migrations, the same for both engines apart from a
 * few column types. Applied at start inside one transaction each (PostgreSQL: under an advisory
 * lock, so replicas starting together migrate once). A database newer than the code is refused.
 */
import type { Db, Engine, Queryable } from './db.ts';
import { StoreErrors } from './errors.ts';

interface Dialect {
  /** An auto-incrementing primary key. */
  id: string;
  /** Text compared byte-wise, so ordering and cursors agree across engines. */
  text: string;
}

const DIALECTS: Record<Engine, Dialect> = {
  sqlite: { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', text: 'TEXT' },
  postgres: { id: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', text: 'TEXT COLLATE "C"' },
};

export interface Migration {
  version: number;
  name: string;
  sql(d: Dialect): string;
}

export const MIGRATIONS: readonly Migration[] = [
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
];

/** Applies the migrations the database lacks; returns the schema version now in force. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const dialect = DIALECTS[db.engine];
  return db.transaction(async (tx) => {
    if (db.engine === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(7242001)');
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const current = await currentVersion(tx);
    const latest = Math.max(0, ...migrations.map((m) => m.version));
    if (current > latest) throw StoreErrors.create('STORE_SCHEMA_NEWER', `the database is at schema version ${current}, this hub knows up to ${latest}: upgrade the hub`);
    // Every migration the database lacks, in number order: one numbered below another already
    // applied (written in parallel with it) still runs.
    const applied = new Set((await tx.all('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version).filter((m) => !applied.has(m.version))) {
      for (const statement of splitStatements(migration.sql(dialect))) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, Date.now()]);
    }
    return Math.max(current, latest);
  });
}

async function currentVersion(tx: Queryable): Promise<number> {
  const [row] = await tx.all('SELECT MAX(version) AS version FROM schema_migrations');
  return Number(row?.version ?? 0);
}

function splitStatements(script: string): string[] {
  return script.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s !== '');
}
