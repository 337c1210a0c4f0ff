/** One pass per application, outside the agent loop: what `trueup diff` and `trueup sync` run. */
import { join, resolve } from 'node:path';
import type { ApplicationStatus } from '@trueup/api';
import { GitCache } from '@trueup/git';
import { createApp } from './app-set.ts';
import type { PassMode } from './app-runtime.ts';
import type { AgentListener } from './events.ts';
import { loadApplications } from './load-applications.ts';
import { StateStore } from './state-store.ts';

export interface RunOnceOptions {
  stateDir: string;
  paths: readonly string[];
  mode: PassMode;
  /** After applying, observe again until no longer Progressing, for at most this long. */
  waitHealthyMs?: number;
  onEvent?: AgentListener;
}

const RECHECK_EVERY_MS = 250;

export async function runOnce(options: RunOnceOptions): Promise<ApplicationStatus[]> {
  const loaded = await loadApplications(options.paths);
  const stateDir = resolve(options.stateDir); // the host provider and git need absolute paths
  const store = new StateStore(stateDir);
  const git = new GitCache({ dir: join(stateDir, 'git') });
  const emit: AgentListener = (event) => options.onEvent?.(event);
  try {
    const statuses: ApplicationStatus[] = [];
    for (const app of loaded) {
      const { runtime, provider } = createApp(app, { stateDir, git, store, emit });
      try {
        let status = await runtime.pass('manual', options.mode);
        const deadline = Date.now() + (options.waitHealthyMs ?? 0);
        while (status.health.status === 'Progressing' && status.error === undefined && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, RECHECK_EVERY_MS));
          status = (await runtime.recheck()) ?? status;
        }
        statuses.push(status);
      } finally {
        await runtime.close();
        await provider.close();
      }
    }
    return statuses;
  } finally {
    store.close();
  }
}
