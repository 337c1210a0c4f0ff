/** What the HTTP API is built from: passed in, so tests build it around a real store without a socket. */
import type { HubStore } from '@trueup/store';
import type { Auth } from './auth.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { HubGitops } from './gitops-writers.ts';
import type { HubOidc } from './oidc.ts';
import type { LinkRegistry } from './link-registry.ts';
import type { HubMetrics } from './metrics.ts';
import type { EnvironmentGate } from './environment-gate.ts';
import type { PipelineRuns } from './pipeline-runs.ts';
import type { SecretBox } from './secret-box.ts';
import type { PipelineTriggers } from './pipeline-triggers.ts';
import type { AdoptionWatcher } from './adopt-watch.ts';
import type { PromotionEngine } from './promotion-engine.ts';
import type { RunnerHub } from './runner-hub.ts';
import type { ArtifactLimits } from './routes/artifacts.ts';

export interface HubDeps {
  store: HubStore;
  links: LinkRegistry;
  feed: ChangeFeed;
  auth: Auth;
  metrics: HubMetrics;
  now: () => number;
  /** What a join token carries: the URL agents dial and the CA they pin. */
  hub: { url: string; caPem: string; caSha256: string };
  /** Shared with the forges: HMAC key of GitHub and Gitea signatures, GitLab's token, the plain push's bearer token. */
  webhookSecret: string;
  /** Pipelines: the linked runners and the runs; absent in hubs built without them. */
  runners?: RunnerHub;
  runs?: PipelineRuns;
  triggers?: PipelineTriggers;
  gate?: EnvironmentGate;
  box?: SecretBox;
  /** OpenID Connect login; absent, only passwords and tokens. */
  oidc?: HubOidc;
  /** The one writer per config branch; absent, the hub writes no Git. */
  gitops?: HubGitops;
  /** Size limit and retention of run artifacts; default DEFAULT_ARTIFACT_LIMITS. */
  artifactLimits?: ArtifactLimits;
  /** Releases promoted between environments; absent, the hub runs no promotions. */
  promotions?: PromotionEngine;
  /** Resumes self-heal of objects adopted on a branch once Git holds them; absent, nobody does. */
  adoptions?: AdoptionWatcher;
}
