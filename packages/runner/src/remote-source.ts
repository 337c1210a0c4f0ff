/**
 * Where `actions/checkout` gets the code on a runner joined to a hub: a clone of the run's
 * repository URL, checked out at the run's commit (or at another branch, tag or commit of it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoSecrets } from '@trueup/api';
import { repoSecretsEnv } from '@trueup/git';
import type { CheckoutSource } from './checkout-source.ts';
import { git } from './checkout-source.ts';
import { RunnerErrors } from './errors.ts';

export class RemoteRepoSource implements CheckoutSource {
  readonly url: string;
  readonly sha: string;
  readonly #secrets: RepoSecrets | undefined;

  /** `secrets`: a private repository's credentials, used for the clone only (the checkout keeps none). */
  constructor(url: string, sha: string, secrets?: RepoSecrets) {
    this.url = url;
    this.sha = sha;
    this.#secrets = secrets;
  }

  async checkout(dest: string, signal: AbortSignal, ref?: string): Promise<string> {
    const keys = await mkdtemp(join(tmpdir(), 'trueup-checkout-auth-'));
    try {
      const { env } = await repoSecretsEnv(this.url, this.#secrets, keys);
      await git(['clone', '--quiet', '--no-checkout', '--', this.url, dest], undefined, signal, env);
    } finally {
      await rm(keys, { recursive: true, force: true });
    }
    const sha = ref === undefined || ref === '' ? this.sha : await resolveRef(dest, ref, signal);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', sha], dest, signal);
    return sha;
  }
}

async function resolveRef(dir: string, ref: string, signal: AbortSignal): Promise<string> {
  for (const candidate of [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref]) {
    const sha = await git(['rev-parse', '--verify', '-q', '--end-of-options', `${candidate}^{commit}`], dir, signal).catch(() => '');
    if (sha !== '') return sha;
  }
  throw RunnerErrors.create('RUNNER_CHECKOUT_FAILED', `actions/checkout: no branch, tag or commit "${ref}" in the repository`);
}
