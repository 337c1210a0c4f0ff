/** A job's log on the hub: the newest MAX bytes kept (older text dropped with a note), live followers told of each chunk. */

export const JOB_LOG_MAX_BYTES = 1024 * 1024;

export class JobLog {
  readonly #chunks: string[] = [];
  #bytes = 0;
  #dropped = 0;
  #ended = false;
  readonly #followers = new Set<(chunk: string | undefined) => void>();
  readonly #max: number;

  constructor(max = JOB_LOG_MAX_BYTES) {
    this.#max = max;
  }

  append(text: string): void {
    if (this.#ended) return;
    this.#chunks.push(text);
    this.#bytes += Buffer.byteLength(text);
    while (this.#bytes > this.#max && this.#chunks.length > 1) {
      const first = this.#chunks.shift() as string;
      const size = Buffer.byteLength(first);
      this.#bytes -= size;
      this.#dropped += size;
    }
    for (const follower of this.#followers) follower(text);
  }

  end(): void {
    this.#ended = true;
    for (const follower of this.#followers) follower(undefined);
    this.#followers.clear();
  }

  get ended(): boolean {
    return this.#ended;
  }

  text(): string {
    const note = this.#dropped > 0 ? `[trueup] ${this.#dropped} earlier bytes of this log are not kept by the hub\n` : '';
    return note + this.#chunks.join('');
  }

  /** Calls `onChunk` with each new chunk, then `undefined` when the job ends; returns the unsubscribe. */
  follow(onChunk: (chunk: string | undefined) => void): () => void {
    if (this.#ended) {
      onChunk(undefined);
      return () => undefined;
    }
    this.#followers.add(onChunk);
    return () => this.#followers.delete(onChunk);
  }
}
