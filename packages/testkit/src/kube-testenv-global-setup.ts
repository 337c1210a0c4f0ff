/**
 * `node --test --test-global-setup=<this file>`: one Kubernetes test environment for the whole
 * run, started on demand. The setup only makes an empty folder, marks it on-demand and names it
 * in TRUEUP_KUBE_TESTENV (which the test files' processes inherit); the first test that calls
 * kubeTestEnv() starts the environment there. The teardown stops it and removes the folder.
 * A TRUEUP_KUBE_TESTENV given by the caller (an environment from `npm run testenv -- up DIR`)
 * is left alone.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBE_TESTENV_VAR, ON_DEMAND_FILE } from './kube-testenv.ts';
import { stopKubeTestEnv } from './kube-testenv-state.ts';

export async function globalSetup(): Promise<void> {
  if ((process.env[KUBE_TESTENV_VAR] ?? '') !== '') return;
  const dir = await mkdtemp(join(tmpdir(), 'trueup-kube-run-'));
  await writeFile(join(dir, ON_DEMAND_FILE), JSON.stringify({ ownerPid: process.pid }));
  process.env[KUBE_TESTENV_VAR] = dir;
}

export async function globalTeardown(): Promise<void> {
  const dir = process.env[KUBE_TESTENV_VAR];
  if (dir === undefined || dir === '') return;
  let owner: number | undefined;
  try {
    owner = (JSON.parse(readFileSync(join(dir, ON_DEMAND_FILE), 'utf8')) as { ownerPid?: number }).ownerPid;
  } catch {
    return; // not ours
  }
  if (owner !== process.pid) return;
  await stopKubeTestEnv(dir);
  await rm(dir, { recursive: true, force: true });
}
