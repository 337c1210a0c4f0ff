/** The hub's store: one database (SQLite file or PostgreSQL URL), migrated at open, one object per aggregate. */
import { Adoptions } from './adoptions.ts';
import { Applications } from './applications.ts';
import { Commands } from './commands.ts';
import { openPostgres, openSqlite, type Db } from './db.ts';
import { Environments } from './environments.ts';
import { Ledger } from './ledger.ts';
import { migrate } from './migrations.ts';
import { Reads } from './reads.ts';
import { ApiTokens } from './tokens.ts';
import { Policy } from './policy.ts';
import { accessVersion, LoginRequests, Sessions, Users } from './users.ts';
import { LoginFailures } from './login-failures.ts';
import { OidcRefresh } from './oidc-refresh.ts';
import { PipelineRepos } from './pipeline-repos.ts';
import { PipelineSecrets } from './pipeline-secrets.ts';
import { Releases } from './releases.ts';
import { Runners } from './runners.ts';
import { Runs } from './runs.ts';
import { RunLogs } from './run-logs.ts';
import { RunArtifacts } from './run-artifacts.ts';
import { Deployments } from './deployments.ts';
import { SharedJobs } from './shared-jobs.ts';
import { RunOwners } from './run-owners.ts';
import { WebhookDeliveries } from './webhooks.ts';
import { localSignals, postgresSignals, type Signals } from './signals.ts';
import { alwaysLeader, postgresLeaderLock, type LeaderLock } from './leader-lock.ts';
import { PolledHeads } from './polled-heads.ts';

export interface HubStore {
  readonly engine: Db['engine'];
  readonly schemaVersion: number;
  readonly environments: Environments;
  readonly applications: Applications;
  readonly ledger: Ledger;
  readonly commands: Commands;
  readonly reads: Reads;
  readonly tokens: ApiTokens;
  readonly webhooks: WebhookDeliveries;
  readonly runners: Runners;
  readonly runs: Runs;
  /** Jobs' logs, chunk by chunk; each append signals `run_logs` with `runId/jobKey`. */
  readonly runLogs: RunLogs;
  readonly runArtifacts: RunArtifacts;
  readonly deployments: Deployments;
  readonly sharedJobs: SharedJobs;
  readonly runOwners: RunOwners;
  readonly pipelineRepos: PipelineRepos;
  readonly pipelineSecrets: PipelineSecrets;
  readonly users: Users;
  readonly sessions: Sessions;
  readonly loginRequests: LoginRequests;
  /** Failed logins per user and address, shared by every replica. */
  readonly loginFailures: LoginFailures;
  /** What OIDC sessions and tokens hold from their provider (groups, a sealed refresh token). */
  readonly oidcRefresh: OidcRefresh;
  readonly policy: Policy;
  /** Moves with every change that can take access away: compared by the hub on each request. */
  accessVersion(): Promise<number>;
  readonly releases: Releases;
  readonly adoptions: Adoptions;
  /** Between replicas on PostgreSQL; within the process on SQLite. */
  readonly signals: Signals;
  readonly polledHeads: PolledHeads;
  /** A lock one replica holds at a time (PostgreSQL advisory lock); on SQLite always held. */
  leaderLock(lockId: number): LeaderLock;
  /** Answers when the database does (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a SQLite file path. */
export async function openStore(location: string): Promise<HubStore> {
  const postgres = /^postgres(ql)?:\/\//.test(location);
  const db = postgres ? openPostgres(location) : openSqlite(location);
  let schemaVersion: number;
  try {
    schemaVersion = await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const signals = postgres ? postgresSignals(location, (sql, params) => db.all(sql, params)) : localSignals();
  return {
    engine: db.engine,
    schemaVersion,
    environments: new Environments(db),
    applications: new Applications(db),
    ledger: new Ledger(db),
    commands: new Commands(db),
    reads: new Reads(db),
    tokens: new ApiTokens(db),
    webhooks: new WebhookDeliveries(db),
    runners: new Runners(db),
    runs: new Runs(db, (runId) => signals.publish('runs', runId)),
    runLogs: new RunLogs(db, (job) => signals.publish('run_logs', job)),
    runArtifacts: new RunArtifacts(db),
    deployments: new Deployments(db),
    sharedJobs: new SharedJobs(db),
    runOwners: new RunOwners(db),
    pipelineRepos: new PipelineRepos(db),
    pipelineSecrets: new PipelineSecrets(db),
    polledHeads: new PolledHeads(db),
    leaderLock: (lockId) => (postgres ? postgresLeaderLock(location, lockId) : alwaysLeader),
    users: new Users(db),
    sessions: new Sessions(db),
    loginRequests: new LoginRequests(db),
    loginFailures: new LoginFailures(db),
    oidcRefresh: new OidcRefresh(db),
    policy: new Policy(db),
    accessVersion: () => accessVersion(db),
    releases: new Releases(db),
    adoptions: new Adoptions(db),
    signals,
    ping: async () => {
      await db.all('SELECT 1 AS ok');
    },
    close: async () => {
      await signals.close();
      await db.close();
    },
  };
}
