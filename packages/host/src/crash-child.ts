/**
 * Used by tests only: a process that runs a host provider on a given root and state directory and
 * applies objects in order, so a test can kill it with a real SIGKILL (from outside, or from the
 * FaultHooks fake at an exact point: after the Nth spawn, before the pid is recorded).
 *
 * Usage: node crash-child.ts '<json CrashChildConfig>'
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { HostKind } from '@trueup/api';
import { createHostProvider } from './host-provider.ts';
import { apply, hostObject, observe, waitFor } from './testing.ts';

export interface CrashChildConfig {
  root: string;
  stateDir: string;
  application: string;
  /** Applied in order (observe, then apply); `remove`: observed and deleted instead; `after`: a file to wait for first. */
  steps: { kind: HostKind; name: string; spec: Record<string, unknown>; remove?: boolean; after?: string }[];
  /** Kill this process with SIGKILL right after the Nth spawn (1-based), writing the pid to `pidFile` first. */
  crashAtSpawn?: number;
  pidFile?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as CrashChildConfig;
let spawns = 0;
const provider = createHostProvider({
  root: config.root,
  stateDir: config.stateDir,
  application: config.application,
  faults: {
    afterSpawn(_kind, _name, pid) {
      spawns += 1;
      if (spawns !== config.crashAtSpawn) return;
      if (config.pidFile !== undefined) writeFileSync(config.pidFile, String(pid));
      process.kill(process.pid, 'SIGKILL');
    },
  },
});
for (const step of config.steps) {
  const object = hostObject(step.kind, step.name, step.spec);
  if (step.after !== undefined) await waitFor(() => existsSync(step.after ?? ''), 10_000, step.after);
  if (step.remove === true) await provider.delete(await observe(provider, object));
  else await apply(provider, object);
}
await provider.close();
