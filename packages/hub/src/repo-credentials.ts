/**
 * Credentials of private pipeline repositories: sealed with the hub's key as soon as they arrive
 * (bound to the repository, so a sealed value moved to another row does not open), used for the
 * hub's own fetches, and handed to a runner only inside the offer of a job of that repository.
 * They are never shown back: the API says only whether a repository has them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoKey, RepoSecretsSchema, type RepoSecrets } from '@trueup/api';
import { repoSecretsEnv } from '@trueup/git';
import type { HubStore } from '@trueup/store';
import { secretScope, type SecretBox } from './secret-box.ts';

/** A name no pipeline secret can have (those are identifiers), so the scopes never meet. */
const SCOPE_NAME = '.repository-credentials';

export class RepoCredentials {
  readonly #store: HubStore;
  readonly #box: SecretBox;

  constructor(store: HubStore, box: SecretBox) {
    this.#store = store;
    this.#box = box;
  }

  seal(url: string, secrets: RepoSecrets): string {
    const key = repoKey(url);
    return this.#box.seal(JSON.stringify(secrets), secretScope(key, '', SCOPE_NAME));
  }

  async get(url: string): Promise<RepoSecrets | undefined> {
    const key = repoKey(url);
    const sealed = await this.#store.pipelineRepos.credentials(key);
    return sealed === undefined ? undefined : RepoSecretsSchema.parse(JSON.parse(this.#box.open(sealed, secretScope(key, '', SCOPE_NAME))));
  }

  /** Runs `fn` with git's environment for the repository (its stored credentials, or `secrets`); temporary key files are removed after. */
  async withGitEnv<T>(url: string, fn: (env: Record<string, string>) => Promise<T>, secrets?: RepoSecrets): Promise<T> {
    const held = secrets ?? await this.get(url);
    if (held === undefined) return fn({});
    const dir = await mkdtemp(join(tmpdir(), 'trueup-repo-auth-'));
    try {
      return await fn((await repoSecretsEnv(url, held, dir)).env);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
