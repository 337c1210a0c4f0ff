/**
 * Where the Kubernetes test environment's binaries are: kube-apiserver, etcd,
 * kube-controller-manager, kube-scheduler and kwok for the test env, kustomize and helm for
 * rendering. `tools/kube-testenv/build.sh` builds them once from Go modules into a cache outside
 * the repository; tests only look them up.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { componentMissing } from './git-repo.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const KUBE_TESTENV_BUILD = join(REPO_ROOT, 'tools/kube-testenv/build.sh');

let cached: string | undefined;

/** The bin directory of the built tools, or undefined when they are not built yet. */
export function kubeToolsBin(): string | undefined {
  if (cached !== undefined) return cached;
  try {
    cached = execFileSync('bash', [KUBE_TESTENV_BUILD, '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return cached;
  } catch {
    return undefined;
  }
}

/** The bin directory; fails the test under CI=true when the tools are missing, else skips it. */
export function requireKubeTools(t: TestContext): string | undefined {
  const bin = kubeToolsBin();
  if (bin === undefined) componentMissing(t, `the Kubernetes test tools are not built (run bash ${KUBE_TESTENV_BUILD})`);
  return bin;
}
