/**
 * Charts from Helm repositories (`source.chart`), one folder per repository, chart and exact
 * version under `<state-dir>/charts`: pulled once, then read from disk. An exact version does not
 * change, so a pass with the chart in place needs no network; a new version is a change in Git.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Source } from '@trueup/api';
import { stripCredentials, type Artifact } from '@trueup/git';
import { pullChart, toolBin } from '@trueup/render';
import { AgentErrors } from './errors.ts';

export class ChartCache {
  readonly #dir: string;
  /** Pulls in progress by cache key: applications asking for the same chart share one. */
  readonly #pulling = new Map<string, Promise<void>>();

  constructor(options: { dir: string }) {
    this.#dir = options.dir;
  }

  async sync(source: Source & { chart: string }, options: { baseDir?: string | undefined; signal?: AbortSignal | undefined } = {}): Promise<Artifact> {
    const repoURL = stripCredentials(source.repoURL);
    const key = createHash('sha256').update(`${repoURL}\n${source.chart}\n${source.ref}`).digest('hex').slice(0, 16);
    const dir = join(this.#dir, key, source.chart);
    if (!existsSync(join(dir, 'Chart.yaml'))) {
      let pulling = this.#pulling.get(key);
      if (pulling === undefined) {
        pulling = this.#pull(source, repoURL, dir, options).finally(() => this.#pulling.delete(key));
        this.#pulling.set(key, pulling);
      }
      await pulling;
    }
    return { revision: source.ref, dir, digest: `${source.chart}-${source.ref}` };
  }

  async #pull(source: Source & { chart: string }, repoURL: string, destination: string, options: { baseDir?: string | undefined; signal?: AbortSignal | undefined }): Promise<void> {
    await pullChart({
      repoURL,
      chart: source.chart,
      version: source.ref,
      destination,
      credentials: await readCredentials(source, options.baseDir ?? '.'),
      bin: toolBin('helm', undefined),
      signal: options.signal,
    });
  }
}

async function readCredentials(source: Source, baseDir: string): Promise<{ username: string; password: string } | undefined> {
  const credentials = source.credentials;
  if (credentials?.passwordFile === undefined) return undefined;
  const file = resolve(baseDir, credentials.passwordFile);
  if (credentials.username === undefined) {
    throw AgentErrors.create('AGENT_CHART_CREDENTIALS', 'spec.source.credentials.passwordFile needs a username for the Helm repository', { field: 'spec.source.credentials.username' });
  }
  try {
    return { username: credentials.username, password: (await readFile(file, 'utf8')).trim() };
  } catch (error) {
    throw AgentErrors.create('AGENT_CHART_CREDENTIALS', `cannot read spec.source.credentials.passwordFile ${file}: ${(error as Error).message}`, { field: 'spec.source.credentials.passwordFile' });
  }
}
