/** One pass per application, outside the agent loop: what `trueup diff` and `trueup sync` run. */
import { join } from 'node:path';
import type { ApplicationStatus } from '@trueup/api';
import { GitCache } from '@trueup/git';
import { createApp } from './agent.ts';
import type { PassMode } from './app-runtime.ts';
import type { AgentListener } from './events.ts';
import { loadApplications } from './load-applications.ts';
import { StateStore } from './state-store.ts';

export async function runOnce(options: { stateDir: string; paths: readonly string[]; mode: PassMode; onEvent?: AgentListener }): Promise<ApplicationStatus[]> {
  const loaded = await loadApplications(options.paths);
  const store = new StateStore(options.stateDir);
  const git = new GitCache({ dir: join(options.stateDir, 'git') });
  const emit: AgentListener = (event) => options.onEvent?.(event);
  try {
    const statuses: ApplicationStatus[] = [];
    for (const app of loaded) {
      const { runtime, provider } = createApp(app, options.stateDir, git, store, emit);
      try {
        statuses.push(await runtime.pass('manual', options.mode));
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
