/**
 * Charts from Helm repositories (`source.chart`), one folder per repository, chart and exact
 * version under `<state-dir>/charts`: pulled once, then read from disk. An exact version does not
 * change, so a pass with the chart in place needs no network; a new version is a change in Git.
 * A `semver:RANGE` ref (Flux's HelmRelease version) is asked of the repository at every pass:
 * helm pulls the highest version in the range, kept under that exact version.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
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
    if (source.ref.startsWith('semver:')) return this.#latestInRange(source, options);
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

  /** The highest version in the range, pulled now, then kept as that exact version's folder. */
  async #latestInRange(source: Source & { chart: string }, options: { baseDir?: string | undefined; signal?: AbortSignal | undefined }): Promise<Artifact> {
    const range = source.ref.slice('semver:'.length).replace(/,/g, ' ').trim();
    const staging = join(this.#dir, 'resolving', randomBytes(8).toString('hex'));
    try {
      await this.#pull({ ...source, ref: range }, stripCredentials(source.repoURL), join(staging, source.chart), options);
      const version = /^version:\s*["']?([^"'\s]+)/m.exec(await readFile(join(staging, source.chart, 'Chart.yaml'), 'utf8'))?.[1];
      if (version === undefined) throw AgentErrors.create('AGENT_CHART_INVALID', `chart ${source.chart} from ${stripCredentials(source.repoURL)} has no version in its Chart.yaml`);
      const key = createHash('sha256').update(`${stripCredentials(source.repoURL)}\n${source.chart}\n${version}`).digest('hex').slice(0, 16);
      const dir = join(this.#dir, key, source.chart);
      if (!existsSync(join(dir, 'Chart.yaml'))) {
        await mkdir(join(this.#dir, key), { recursive: true });
        await rename(join(staging, source.chart), dir).catch((error: unknown) => {
          if (!existsSync(join(dir, 'Chart.yaml'))) throw error; // another pass placed it first: as good
        });
      }
      return { revision: version, dir, digest: `${source.chart}-${version}` };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
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
