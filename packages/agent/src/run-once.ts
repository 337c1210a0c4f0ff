/**
 * One pass per application, outside the agent loop: what `trueup diff` and `trueup sync` run.
 * Applications that Git declares inside them (app of apps) get their pass too, after their
 * parent, as the agent would run them.
 */
import { join, resolve } from 'node:path';
import type { ApplicationStatus } from '@trueup/api';
import { GitCache } from '@trueup/git';
import { createApp } from './app-set.ts';
import { refusedStatus } from './child-status.ts';
import { ChartCache } from './chart-cache.ts';
import type { PassMode } from './app-runtime.ts';
import type { AgentListener } from './events.ts';
import { FLUX_SECRETS_FOLDER } from './flux-tree.ts';
import { loadApplications, type LoadedApplication } from './load-applications.ts';
import { passAndWait } from './pass-and-wait.ts';
import { lockStateDir } from './state-lock.ts';
import { StateStore } from './state-store.ts';

export interface RunOnceOptions {
  stateDir: string;
  paths: readonly string[];
  mode: PassMode;
  /** After applying, observe again until no longer Progressing, for at most this long. */
  waitHealthyMs?: number;
  onEvent?: AgentListener;
  /** The only namespaces the agent may read (a namespace-scoped install). */
  watchNamespaces?: readonly string[];
}

export async function runOnce(options: RunOnceOptions): Promise<ApplicationStatus[]> {
  const stateDir = resolve(options.stateDir); // the host provider and git need absolute paths
  const loaded = await loadApplications(options.paths, { fluxSecretsDir: join(stateDir, FLUX_SECRETS_FOLDER) });
  const lock = lockStateDir(stateDir, options.mode === 'apply' ? 'sync' : 'diff');
  let store: StateStore;
  try {
    store = new StateStore(stateDir);
  } catch (error) {
    lock.release();
    throw error;
  }
  const git = new GitCache({ dir: join(stateDir, 'git') });
  const charts = new ChartCache({ dir: join(stateDir, 'charts') });
  const emit: AgentListener = (event) => options.onEvent?.(event);
  const queue = [...loaded];
  const names = new Set(loaded.map((app) => app.application.metadata.name));
  try {
    const statuses: ApplicationStatus[] = [];
    let deferred = 0;
    for (let app = queue.shift(); app !== undefined; app = queue.shift()) {
      // dependsOn: an application still queued goes first (a cycle runs as queued, once round).
      const queued = new Set(queue.map((other) => other.application.metadata.name));
      if (app.application.spec.dependsOn.some((dependency) => queued.has(dependency)) && deferred <= queue.length) {
        deferred++;
        queue.push(app);
        continue;
      }
      deferred = 0;
      const children: LoadedApplication[] = [];
      const { runtime, provider } = createApp(app, { stateDir, git, charts, store, emit, watchNamespaces: options.watchNamespaces }, (found) => children.splice(0, children.length, ...found));
      try {
        statuses.push(await passAndWait(runtime, options.mode, options.waitHealthyMs));
      } finally {
        await runtime.close();
        await provider.close();
      }
      for (const child of children) {
        if (child.note !== undefined) continue; // shown by the agent's status; nothing to run
        const name = child.application.metadata.name;
        if (names.has(name)) {
          emit({ type: 'error', application: app.application.metadata.name, message: `Application "${name}" from ${child.file} is not run: another application has that name`, revision: '', pass: 0 });
          continue;
        }
        names.add(name);
        if (child.refused === undefined) queue.push(child);
        else statuses.push(refusedStatus(child, new Date().toISOString())); // its error is its own: the others run
      }
    }
    return statuses;
  } finally {
    store.close();
    lock.release();
  }
}
