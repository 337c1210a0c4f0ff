/**
 * Compresses the hub's JSON and text answers (gzip or deflate, as the client accepts, with
 * `Vary: Accept-Encoding`), through Hono's own middleware. Streams are never compressed: a
 * compressor holds bytes back until its block fills, so an event (Server-Sent Events) or a line
 * (ndjson export) would reach the reader late. The web UI's files are compressed at build time
 * and served as they are (routes/ui.ts), so they pass through untouched.
 */
import type { MiddlewareHandler } from 'hono';
import { COMPRESSIBLE_CONTENT_TYPE_REGEX, compress } from 'hono/compress';

const STREAMED = /^\s*(?:text\/event-stream|application\/x-ndjson)(?:[;\s]|$)/i;

/** Whether an answer of this content type is compressed. */
export function compressible(contentType: string): boolean {
  return !STREAMED.test(contentType) && COMPRESSIBLE_CONTENT_TYPE_REGEX.test(contentType);
}

/** Below this size (when the answer says its size) compression costs more than it saves. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

export function compression(): MiddlewareHandler {
  return compress({ threshold: COMPRESSION_THRESHOLD_BYTES, contentTypeFilter: compressible });
}
