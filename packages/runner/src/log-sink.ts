/**
 * The job's log: output read line by line (a secret split across chunks is whole again on its
 * line), `::add-mask::` honoured before the line is shown, every line masked, and the whole log
 * capped — past the cap, output is read and dropped, with one note saying so, so memory stays
 * bounded however much a step prints.
 */
import { StringDecoder } from 'node:string_decoder';
import { MASK, Masker } from './masker.ts';

export const DEFAULT_LOG_CAP_BYTES = 100 * 1024 * 1024;
/** A line longer than this is passed on in pieces (never cutting a masked value in two). */
const MAX_LINE_CHARS = 64 * 1024;

export class LogSink {
  readonly masker = new Masker();
  #written = 0;
  #truncated = false;
  readonly #cap: number;
  readonly #write: (text: string) => void;
  #batch: string[] = [];

  constructor(write: (text: string) => void, cap = DEFAULT_LOG_CAP_BYTES) {
    this.#write = write;
    this.#cap = cap;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  get bytesWritten(): number {
    return this.#written;
  }

  /** A line the runner itself writes (no commands read from it), masked all the same. */
  note(text: string): void {
    this.#emit(`${this.masker.mask(text)}\n`);
    this.flush();
  }

  /** Passes on what was emitted since the last flush, in one piece. */
  flush(): void {
    if (this.#batch.length === 0) return;
    const text = this.#batch.join('');
    this.#batch = [];
    this.#write(text);
  }

  /** Complete lines: masked as one block unless one of them is a command. */
  block(text: string): void {
    if (!text.includes('::add-mask::')) {
      this.#emit(this.masker.mask(text));
      return;
    }
    for (const line of text.split(/(?<=\n)/)) this.line(line);
  }

  /** A stream of a step's output (stdout or stderr): one per stream, so their lines stay whole. */
  stream(): OutputStream {
    return new OutputStream(this);
  }

  /** Called by OutputStream with one complete line (with its newline) or a safe piece of one. */
  line(raw: string): void {
    const command = /^::add-mask::(.*?)(\r?\n)?$/s.exec(raw);
    if (command !== null) {
      this.masker.add(command[1] ?? '');
      this.#emit(`::add-mask::${MASK}${command[2] ?? ''}`);
      return;
    }
    this.#emit(this.masker.mask(raw));
  }

  #emit(text: string): void {
    if (this.#truncated) return;
    const bytes = Buffer.byteLength(text);
    if (this.#written + bytes > this.#cap) {
      this.#truncated = true;
      this.#batch.push(`\n[trueup] output truncated: the log reached its cap of ${this.#cap} bytes; the rest of this job's output is not kept\n`);
      return;
    }
    this.#written += bytes;
    this.#batch.push(text);
  }
}

export class OutputStream {
  readonly #sink: LogSink;
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';

  constructor(sink: LogSink) {
    this.#sink = sink;
  }

  write(chunk: Buffer): void {
    if (this.#sink.truncated) return;
    this.#pending += this.#decoder.write(chunk);
    const last = this.#pending.lastIndexOf('\n');
    if (last !== -1) {
      this.#sink.block(this.#pending.slice(0, last + 1));
      this.#pending = this.#pending.slice(last + 1);
    }
    if (this.#pending.length > MAX_LINE_CHARS) this.#flushSafePrefix();
    this.#sink.flush();
  }

  end(): void {
    this.#pending += this.#decoder.end();
    if (this.#pending !== '') this.#sink.line(`${this.#pending}\n`);
    this.#pending = '';
    this.#sink.flush();
  }

  /** Passes on a long line's head, keeping back what may be the start of a masked value. */
  #flushSafePrefix(): void {
    const hold = Math.max(this.#sink.masker.longest - 1, 0);
    const split = this.#sink.masker.lastMatchEnd(this.#pending, this.#pending.length - hold);
    if (split <= 0 || split >= this.#pending.length) return;
    this.#sink.line(this.#pending.slice(0, split));
    this.#pending = this.#pending.slice(split);
  }
}
