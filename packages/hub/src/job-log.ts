/**
 * A job's log on its way to the store: text as it arrives (masked already — the runner masks
 * every line before it leaves), written in chunks every FLUSH_MS or once CHUNK_BYTES wait,
 * whichever comes first, one write at a time. The store keeps the newest MAX bytes per job; text
 * that piles up here while a write is slow is bounded the same way (the oldest dropped, with a
 * note), so a step printing without end stays bounded in memory and in the store.
 */
import type { RunLogs } from '@trueup/store';

/** Where a job's log goes: the store's logs (a test may slow them down). */
export type LogAppender = Pick<RunLogs, 'append'>;

export const JOB_LOG_MAX_BYTES = 1024 * 1024;
export const JOB_LOG_FLUSH_MS = 250;
export const JOB_LOG_CHUNK_BYTES = 64 * 1024;

export interface JobLogOptions {
  maxBytes?: number;
  flushMs?: number;
  chunkBytes?: number;
  /** A write the store refused (the text of it is lost; later text still goes). */
  onError?: (error: unknown) => void;
}

export class JobLog {
  readonly #logs: LogAppender;
  readonly #runId: string;
  readonly #key: string;
  readonly #max: number;
  readonly #flushMs: number;
  readonly #chunkBytes: number;
  readonly #onError: (error: unknown) => void;
  #pending: { text: string; seq: number | undefined }[] = [];
  #pendingBytes = 0;
  #droppedHere = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(logs: LogAppender, runId: string, key: string, options: JobLogOptions = {}) {
    this.#logs = logs;
    this.#runId = runId;
    this.#key = key;
    this.#max = options.maxBytes ?? JOB_LOG_MAX_BYTES;
    this.#flushMs = options.flushMs ?? JOB_LOG_FLUSH_MS;
    this.#chunkBytes = options.chunkBytes ?? JOB_LOG_CHUNK_BYTES;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** `seq`: the runner's number of this text, kept with the chunk it goes in. */
  append(text: string, seq?: number): void {
    if (this.#ended || text === '') return;
    this.#pending.push({ text, seq });
    this.#pendingBytes += Buffer.byteLength(text);
    while (this.#pendingBytes > this.#max && this.#pending.length > 1) {
      const size = Buffer.byteLength((this.#pending.shift() as { text: string }).text);
      this.#pendingBytes -= size;
      this.#droppedHere += size;
    }
    if (this.#pendingBytes >= this.#chunkBytes) this.#flushSoon(0);
    else this.#flushSoon(this.#flushMs);
  }

  /** Writes what waits; resolves when everything appended so far is in the store. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing = this.#writing.then(() => this.#writeAll());
    return this.#writing;
  }

  /** Writes what waits and takes no more text. */
  async end(): Promise<void> {
    this.#ended = true;
    await this.flush();
  }

  #flushSoon(ms: number): void {
    if (this.#timer !== undefined && ms > 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), ms);
  }

  async #writeAll(): Promise<void> {
    while (this.#pending.length > 0) {
      const pieces: string[] = [];
      let bytes = 0;
      let seq: number | undefined;
      if (this.#droppedHere > 0) {
        pieces.push(`[trueup] ${this.#droppedHere} bytes of this log came faster than the store took them and are not kept\n`);
        this.#droppedHere = 0;
      }
      while (this.#pending.length > 0 && (pieces.length === 0 || bytes < this.#chunkBytes)) {
        const piece = this.#pending.shift() as { text: string; seq: number | undefined };
        const size = Buffer.byteLength(piece.text);
        this.#pendingBytes -= size;
        bytes += size;
        pieces.push(piece.text);
        seq = piece.seq ?? seq;
      }
      await this.#logs.append(this.#runId, this.#key, pieces.join(''), this.#max, seq).catch(this.#onError);
    }
  }
}

/** A stored log as text: a note for what the cap dropped, then the chunks kept. */
export function logText(read: { chunks: { text: string }[]; dropped: number }): string {
  const note = read.dropped > 0 ? `[trueup] ${read.dropped} earlier bytes of this log are not kept by the hub\n` : '';
  return note + read.chunks.map((chunk) => chunk.text).join('');
}
