/**
 * Artifacts of runs, kept by the hub: a runner streams a job's artifact up (a tar archive, with
 * its runner credential, only while it runs a job of that run), any job of the run on any runner
 * downloads it, and people list and download them with a viewer token. Uploads are cut off at
 * the size limit while they stream; artifacts expire after the retention time.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { HubDeps } from '../deps.ts';
import { HubErrors } from '../errors.ts';
import type { RouteSpec } from '../route-spec.ts';
import { isRunnerCredential, requireRunnerJob } from '../runner-scope.ts';

export interface ArtifactLimits {
  /** Largest artifact, bytes. */
  maxBytes: number;
  /** How long an artifact is kept, ms. */
  retentionMs: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = { maxBytes: 256 * 1024 * 1024, retentionMs: 30 * 24 * 3600_000 };
/** Bytes per stored chunk. */
const CHUNK_BYTES = 512 * 1024;
const NAME = /^[^\\/":<>|*?\r\n]{1,200}$/;
export const ARTIFACT_UPLOAD_PATH = /^\/api\/v1\/runs\/[^/]+\/artifacts\/[^/]+$/;

export const artifactSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/runs/{id}/artifacts/{name}', summary: 'Upload an artifact of a run (a tar stream; runner credential of a runner running a job of the run; ?job=KEY&files=N&overwrite=true).', role: 'public', responses: { 201: { description: 'stored' }, 403: { description: 'the runner runs no job of the run' }, 409: { description: 'exists and overwrite is not set' }, 413: { description: 'over the size limit' } } },
  { method: 'get', path: '/api/v1/runs/{id}/artifacts', summary: 'A run\'s artifacts: name, size, files, expiry.', role: 'viewer', responses: { 200: { description: 'artifacts' } } },
  { method: 'get', path: '/api/v1/runs/{id}/artifacts/{name}', summary: 'Download an artifact as a tar archive (viewer token, or a runner running a job of the run).', role: 'viewer', responses: { 200: { description: 'the archive', contentType: 'application/x-tar' }, 404: { description: 'no such artifact, or expired' } } },
];

export function artifactRoutes(app: Hono, deps: HubDeps): void {
  const { store, auth, now } = deps;
  const limits = deps.artifactLimits ?? DEFAULT_ARTIFACT_LIMITS;
  const reader = async (c: Context): Promise<void> => {
    const header = c.req.header('authorization');
    if (isRunnerCredential(header)) await requireRunnerJob(store, header, c.req.param('id') ?? '');
    else await auth.require(c, 'get');
  };
  app.post('/api/v1/runs/:id/artifacts/:name', async (c) => {
    const runId = c.req.param('id');
    const name = c.req.param('name');
    const job = c.req.query('job');
    const scope = await requireRunnerJob(store, c.req.header('authorization'), runId, job === undefined || job === '' ? undefined : job);
    if (!NAME.test(name) || name === '.' || name === '..') throw HubErrors.create('HUB_REQUEST_INVALID', `invalid artifact name "${name}"`);
    const files = Number(c.req.query('files') ?? '0');
    if (!Number.isInteger(files) || files < 0) throw HubErrors.create('HUB_REQUEST_INVALID', `"files" must be a whole number, not "${c.req.query('files') ?? ''}"`);
    const overwrite = c.req.query('overwrite') === 'true';
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limits.maxBytes) throw tooLarge(name, limits.maxBytes);
    if (!overwrite && (await store.runArtifacts.get(runId, name, now())) !== undefined) throw exists(name);
    const uploadId = randomUUID();
    let bytes = 0;
    try {
      bytes = await storeChunks(c.req.raw.body, limits.maxBytes, name, (seq, data) => store.runArtifacts.putChunk(uploadId, seq, data, now()));
      const at = now();
      if (!(await store.runArtifacts.complete({ runId, name, uploadId, bytes, files, uploadedBy: `runner:${scope.runner.name}`, createdAt: at, expiresAt: at + limits.retentionMs }, overwrite))) throw exists(name);
    } catch (error) {
      await store.runArtifacts.discard(uploadId);
      throw error;
    }
    return c.json({ name, bytes, files }, 201);
  });
  app.get('/api/v1/runs/:id/artifacts', async (c) => {
    await reader(c);
    const items = await store.runArtifacts.list(c.req.param('id'), now());
    return c.json({ items: items.map((a) => ({ name: a.name, bytes: a.bytes, files: a.files, uploadedBy: a.uploadedBy, createdAt: new Date(a.createdAt).toISOString(), expiresAt: new Date(a.expiresAt).toISOString() })) });
  });
  app.get('/api/v1/runs/:id/artifacts/:name', async (c) => {
    await reader(c);
    const artifact = await store.runArtifacts.get(c.req.param('id'), c.req.param('name'), now());
    if (artifact === undefined) {
      const names = (await store.runArtifacts.list(c.req.param('id'), now())).map((a) => a.name);
      throw HubErrors.create('HUB_NOT_FOUND', `no artifact "${c.req.param('name')}" in run ${c.req.param('id')} (expired, or never uploaded); there are: ${names.join(', ') || 'none'}`);
    }
    let seq = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = await store.runArtifacts.chunk(artifact.uploadId, seq);
        seq += 1;
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'application/x-tar', 'content-length': String(artifact.bytes), 'content-disposition': `attachment; filename="${encodeURIComponent(artifact.name)}.tar"` } });
  });
}

/** Reads the body into chunks of CHUNK_BYTES, stopping as soon as it passes `maxBytes`. */
async function storeChunks(body: ReadableStream<Uint8Array> | null, maxBytes: number, name: string, put: (seq: number, data: Buffer) => Promise<void>): Promise<number> {
  if (body === null) return 0;
  let bytes = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    for (let at = 0; at < data.length; at += CHUNK_BYTES) {
      await put(seq, data.subarray(at, Math.min(data.length, at + CHUNK_BYTES)));
      seq += 1;
    }
  };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(name, maxBytes);
    }
    pending.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    pendingBytes += value.byteLength;
    if (pendingBytes >= CHUNK_BYTES) {
      const whole = Math.floor(pendingBytes / CHUNK_BYTES) * CHUNK_BYTES;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [data.subarray(whole)];
      pendingBytes = data.length - whole;
      for (let at = 0; at < whole; at += CHUNK_BYTES) {
        await put(seq, data.subarray(at, at + CHUNK_BYTES));
        seq += 1;
      }
    }
  }
  await flush();
  return bytes;
}

function tooLarge(name: string, maxBytes: number): Error {
  return HubErrors.create('HUB_BODY_TOO_LARGE', `artifact "${name}" exceeds the hub's limit of ${maxBytes} bytes`);
}

function exists(name: string): Error {
  return HubErrors.create('HUB_CONFLICT', `an artifact named "${name}" exists already in this run; give another name or overwrite: true`);
}
