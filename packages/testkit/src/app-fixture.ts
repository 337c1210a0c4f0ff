/** A Git repository, an Application and a temporary root: what agent and CLI tests start from. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServedRepo, createWorkRepo, type WorkRepo } from './git-repo.ts';
import type { AgentEvent } from '@trueup/agent';

export interface AgentFixture {
  dir: string;
  root: string;
  stateDir: string;
  appFile: string;
  repoURL: string;
  work: WorkRepo;
  /** Writes files in the working copy, commits and pushes; returns the commit SHA. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  events: AgentEvent[];
  /** The listener to give the agent. */
  onEvent(event: AgentEvent): void;
  /** Resolves at the first event (past or future) matching `match`. */
  waitFor(match: (event: AgentEvent) => boolean, timeoutMs?: number): Promise<AgentEvent>;
  cleanup(): Promise<void>;
}

export function hostManifest(kind: string, name: string, spec: Record<string, unknown>): string {
  return `---\napiVersion: host.trueup.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify(spec)}\n`;
}

export interface AgentFixtureOptions {
  files: Record<string, string>;
  automated?: boolean;
  /** `automated.allowEmpty`. */
  allowEmpty?: boolean;
  prune?: boolean;
  interval?: string;
  /** The destination as flow YAML; default a host root in the fixture's folder. */
  destination?: string;
  /** More lines under `spec` (indented two spaces), such as `ignoreDifferences`. */
  extraSpec?: string;
  /** More lines under `syncPolicy` (indented four spaces), such as `syncOptions`. */
  extraSyncPolicy?: string;
  /** More entries of `spec.source`, as flow YAML, such as `helm: { valueFiles: [values-prod.yaml] }`. */
  extraSource?: string;
}

export async function agentFixture(options: AgentFixtureOptions): Promise<AgentFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-agent-'));
  const bare = await createServedRepo(join(dir, 'repos'), 'config.git');
  const repoURL = `file://${bare}`;
  const work = await createWorkRepo(join(dir, 'work'));
  const commit = async (files: Record<string, string | null>, message = 'change'): Promise<string> => {
    await work.write(files);
    const sha = await work.commit(message);
    await work.git('push', '--quiet', '--force', bare, 'main');
    return sha;
  };
  await commit(options.files, 'initial');
  const root = join(dir, 'root');
  const automated = options.automated === false ? '' : `\n    automated: { prune: ${String(options.prune ?? true)}, selfHeal: true${options.allowEmpty === true ? ', allowEmpty: true' : ''} }`;
  const appFile = join(dir, 'app.yaml');
  await writeFile(appFile, `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata:
  name: test
spec:
  source: { repoURL: "${repoURL}", ref: main, path: app${options.extraSource === undefined ? '' : `, ${options.extraSource}`} }
  destination: ${options.destination ?? `{ host: { root: "${root}" } }`}
  syncPolicy:
    interval: ${options.interval ?? '1h'}${automated}
    retry: { limit: 2, backoff: { duration: 100ms, maxDuration: 200ms } }
${options.extraSyncPolicy ?? ''}${options.extraSpec ?? ''}`);
  const events: AgentEvent[] = [];
  const waiters = new Set<{ match: (event: AgentEvent) => boolean; resolve: (event: AgentEvent) => void }>();
  return {
    dir, root, stateDir: join(dir, 'state'), appFile, repoURL, work, commit, events,
    onEvent(event) {
      events.push(event);
      for (const waiter of waiters) {
        if (!waiter.match(event)) continue;
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    },
    waitFor(match, timeoutMs = 10_000) {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (event: AgentEvent) => (clearTimeout(timer), resolve(event)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
