/**
 * Artifacts of a joined runner's job, kept by the hub: an upload streams the files as a tar
 * archive to the hub (nothing is staged on disk), a download streams one back and unpacks it
 * (entries cannot leave the destination), so a job on another runner gets what this one made.
 */
import { mkdir, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create, extract } from 'tar';
import type { ArtifactFile, ArtifactStore } from './artifact-store.ts';
import { RunnerErrors } from './errors.ts';
import { hubJson, hubRequest, HubRequestError, type HubEndpoint } from './hub-request.ts';

export class HubArtifactStore implements ArtifactStore {
  readonly #hub: HubEndpoint;
  readonly #runId: string;
  readonly #jobKey: string;

  /** `jobKey`: the job's key in its run (`build`, `test#2`), which the runner holds. */
  constructor(hub: HubEndpoint, runId: string, jobKey: string) {
    this.#hub = hub;
    this.#runId = runId;
    this.#jobKey = jobKey;
  }

  #path(name?: string): string {
    return `/api/v1/runs/${encodeURIComponent(this.#runId)}/artifacts${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  async upload(name: string, files: readonly ArtifactFile[], overwrite: boolean): Promise<{ files: number; bytes: number }> {
    const first = files[0];
    if (first === undefined) return { files: 0, bytes: 0 };
    // Every file's path is relative to one folder (their least common ancestor).
    const root = first.source.slice(0, first.source.length - first.path.length);
    for (const file of files) {
      if (file.source !== root + file.path) throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', `artifact "${name}": ${file.source} is not under ${root}`);
    }
    let bytes = 0;
    for (const file of files) bytes += (await stat(file.source)).size;
    const archive = create({ cwd: root, portable: true, noDirRecurse: true }, files.map((file) => file.path));
    const query = new URLSearchParams({ job: this.#jobKey, files: String(files.length), ...(overwrite ? { overwrite: 'true' } : {}) });
    try {
      const response = await hubRequest(this.#hub, 'POST', `${this.#path(name)}?${query.toString()}`, { body: Readable.from(archive), contentType: 'application/x-tar' });
      response.resume();
    } catch (error) {
      throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', `uploading artifact "${name}" to the hub: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { files: files.length, bytes };
  }

  async download(name: string, dest: string): Promise<{ files: number }> {
    let response;
    try {
      response = await hubRequest(this.#hub, 'GET', this.#path(name));
    } catch (error) {
      if (error instanceof HubRequestError && error.status === 404) throw RunnerErrors.create('RUNNER_ARTIFACT_NOT_FOUND', `no artifact named "${name}" in this run: ${error.message}`);
      throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', `downloading artifact "${name}" from the hub: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { files: await unpackArtifact(response, dest) };
  }

  async list(): Promise<string[]> {
    const { items } = await hubJson<{ items: { name: string }[] }>(this.#hub, 'GET', this.#path());
    return items.map((item) => item.name);
  }
}

/** Unpacks an artifact's tar stream under `dest`; returns the number of files. */
export async function unpackArtifact(archive: NodeJS.ReadableStream, dest: string): Promise<number> {
  await mkdir(dest, { recursive: true });
  let count = 0;
  // Without preservePaths, tar strips leading `/` and refuses `..`: nothing lands outside dest.
  await pipeline(archive, extract({ cwd: dest, strict: true, filter: (_path, entry) => {
    if ('type' in entry && entry.type === 'File') count += 1;
    return true;
  } }));
  return count;
}
