/**
 * A runner's side of the runner link: one outbound TLS WebSocket to the hub, hello with labels
 * and capacity, offers taken while there is room, job events and results sent back, heartbeats
 * every LINK_HEARTBEAT_MS naming the jobs held (the lease renewal). Reconnects with jittered
 * backoff; a job keeps running across a reconnect and the hub is told about it in the hello.
 * Log text is numbered per job, and the newest of it (RETAINED_LOG_BYTES) is kept while the job
 * runs and sent again after each reconnect: what a hub received but had not yet written when it
 * went away is written by the next one, which drops what it has by its number.
 */
import { HubRunnerFrameSchema, LINK_HEARTBEAT_MS, LINK_SILENCE_MS, LinkCloseCodes, parseFrame, RUNNER_LINK_PATH, RUNNER_LINK_PROTOCOL_VERSION, RunnerFrameSchema, type JobEvent, type RunnerJobResult, type RunnerFrame, type RunnerOffer } from '@trueup/api';
import WebSocket from 'ws';
import { reconnectDelay } from './backoff.ts';
import { rawText } from './client.ts';
import { closeGracefully, dialHub } from './dial.ts';

export interface RunnerJobHandle {
  emit(event: JobEvent): void;
  /** Aborted when the hub cancels the job. */
  signal: AbortSignal;
}

export interface RunnerClientOptions {
  hubUrl: string;
  ca: string;
  credential: string;
  version: string;
  labels: string[];
  capacity: number;
  runJob(offer: RunnerOffer, handle: RunnerJobHandle): Promise<RunnerJobResult>;
  onState?(state: { state: 'connecting' | 'linked' | 'stopped' } | { state: 'disconnected'; code: number; reason: string; retryInMs: number }): void;
  proxy?: string | undefined;
  /** Largest number of frames kept for the hub while the link is down; older log frames are dropped first. */
  maxBuffered?: number;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/** Log text of a running job kept to be sent again after a reconnect, at most this much per job. */
export const RETAINED_LOG_BYTES = 1024 * 1024;

interface Retained {
  frames: RunnerFrame[];
  bytes: number;
}

export class RunnerLinkClient {
  readonly #options: RunnerClientOptions;
  readonly #running = new Map<string, Running>();
  /** Frames for the hub while the link is down, bounded. */
  readonly #backlog: RunnerFrame[] = [];
  /** The newest log frames of each job until its result is sent. */
  readonly #retained = new Map<string, Retained>();
  #socket: WebSocket | undefined;
  #linked = false;
  #attempt = 0;
  #lastHeard = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RunnerClientOptions) {
    this.#options = options;
  }

  get running(): number {
    return this.#running.size;
  }

  start(): void {
    this.#connect();
    this.#ticker = setInterval(() => this.#tick(), 250);
    this.#ticker.unref();
  }

  /** Stops taking jobs; cancels the running ones and waits for them, then closes the link. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const job of this.#running.values()) job.controller.abort();
    await Promise.all([...this.#running.values()].map((job) => job.done));
    clearInterval(this.#ticker);
    await closeGracefully(this.#socket, 'runner stopping');
    this.#options.onState?.({ state: 'stopped' });
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#options.onState?.({ state: 'connecting' });
    const { socket, closeInfo } = dialHub(RUNNER_LINK_PATH, this.#options);
    this.#socket = socket;
    socket.on('open', () => {
      this.#lastHeard = Date.now();
      // A job that ended while the link was down is still this runner's until its result is sent.
      const unreported = this.#backlog.flatMap((f) => (f.type === 'result' ? [f.job] : []));
      this.#sendNow({ type: 'hello', protocol: RUNNER_LINK_PROTOCOL_VERSION, version: this.#options.version, labels: this.#options.labels, capacity: this.#options.capacity, running: [...new Set([...this.#running.keys(), ...unreported])].slice(0, 64) });
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#close(LinkCloseCodes.protocolError, 'binary frames are not spoken');
      const parsed = parseFrame(HubRunnerFrameSchema, rawText(data));
      if (!parsed.ok) return this.#close(LinkCloseCodes.protocolError, parsed.reason);
      this.#lastHeard = Date.now();
      const frame = parsed.frame;
      switch (frame.type) {
        case 'welcome':
          if (frame.protocol !== RUNNER_LINK_PROTOCOL_VERSION) return this.#close(LinkCloseCodes.unsupportedVersion, `hub speaks runner protocol ${frame.protocol}, runner ${RUNNER_LINK_PROTOCOL_VERSION}`);
          this.#linked = true;
          this.#heartbeatMs = frame.heartbeatMs;
          this.#attempt = 0;
          this.#options.onState?.({ state: 'linked' });
          this.#sendRetained();
          for (const queued of this.#backlog.splice(0)) this.#send(queued);
          break;
        case 'offer':
          this.#take(frame.offer);
          break;
        case 'cancel':
          this.#running.get(frame.job)?.controller.abort();
          break;
        case 'heartbeat':
          break;
      }
    });
    socket.on('close', (code, reason) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#linked = false;
      if (this.#stopped) return;
      const info = closeInfo(code, reason);
      const retryInMs = reconnectDelay(this.#attempt, Math.random());
      this.#attempt += 1;
      this.#options.onState?.({ state: 'disconnected', ...info, retryInMs });
      this.#timer = setTimeout(() => this.#connect(), retryInMs);
    });
  }

  #take(offer: RunnerOffer): void {
    if (this.#stopped || this.#running.size >= this.#options.capacity || this.#running.has(offer.job)) {
      this.#send({ type: 'declined', job: offer.job, reason: this.#stopped ? 'runner stopping' : 'runner full' });
      return;
    }
    const controller = new AbortController();
    const job = offer.job;
    this.#send({ type: 'accepted', job });
    const done = (async () => {
      let result: RunnerJobResult;
      try {
        let seq = 0;
        result = await this.#options.runJob(offer, { signal: controller.signal, emit: (event) => this.#send(this.#retain({ type: 'event', job, event: event.type === 'log' ? { ...event, seq: ++seq } : event })) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.#send({ type: 'event', job, event: { type: 'log', index: null, text: `[trueup] the runner could not run the job: ${message}\n` } });
        result = { conclusion: 'failure', outputs: {}, steps: [], summary: '', durationMs: 0, logTruncated: false };
      }
      this.#send({ type: 'result', job, result });
    })().finally(() => {
      this.#running.delete(job);
    });
    this.#running.set(job, { controller, done });
  }

  #tick(): void {
    if (this.#socket === undefined || this.#socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.#lastHeard >= Math.max(LINK_SILENCE_MS, 3 * this.#heartbeatMs)) return this.#close(LinkCloseCodes.silent, 'the hub sent nothing, not even a heartbeat');
    this.#sendNow({ type: 'heartbeat', at: Date.now(), running: [...this.#running.keys()] }, this.#heartbeatMs);
  }

  #lastSent = 0;
  #heartbeatMs = LINK_HEARTBEAT_MS;

  /** Sends now if the link is up; with `ifQuietFor`, only when nothing was sent for that long. */
  #sendNow(frame: RunnerFrame, ifQuietFor = 0): void {
    const socket = this.#socket;
    if (socket?.readyState !== WebSocket.OPEN) return;
    if (ifQuietFor > 0 && Date.now() - this.#lastSent < ifQuietFor) return;
    this.#lastSent = Date.now();
    socket.send(JSON.stringify(RunnerFrameSchema.parse(frame)));
  }

  /** Keeps a log frame of a running job (the newest RETAINED_LOG_BYTES of them) to send again after a reconnect. */
  #retain(frame: Extract<RunnerFrame, { type: 'event' }>): RunnerFrame {
    const text = frame.event.type === 'log' ? (frame.event as { text?: unknown }).text : undefined;
    if (typeof text !== 'string') return frame;
    const kept = this.#retained.get(frame.job) ?? { frames: [], bytes: 0 };
    this.#retained.set(frame.job, kept);
    kept.frames.push(frame);
    kept.bytes += Buffer.byteLength(text);
    while (kept.bytes > RETAINED_LOG_BYTES && kept.frames.length > 1) {
      const dropped = kept.frames.shift() as Extract<RunnerFrame, { type: 'event' }>;
      kept.bytes -= Buffer.byteLength(String((dropped.event as { text?: unknown }).text));
    }
    return frame;
  }

  /** After a welcome: the kept log frames that were sent before (the backlog holds the others), in order. */
  #sendRetained(): void {
    const queued = new Set(this.#backlog);
    for (const kept of this.#retained.values()) for (const frame of kept.frames) if (!queued.has(frame)) this.#sendNow(frame);
  }

  /** Job frames: sent when linked, else kept (bounded; log lines go first) until the next welcome. */
  #send(frame: RunnerFrame): void {
    // A job whose result is sent needs none of its log kept.
    if (frame.type === 'result' && this.#linked) this.#retained.delete(frame.job);
    if (this.#linked) return this.#sendNow(frame);
    this.#backlog.push(frame);
    const max = this.#options.maxBuffered ?? 10_000;
    while (this.#backlog.length > max) {
      const logAt = this.#backlog.findIndex((f) => f.type === 'event' && f.event.type === 'log');
      this.#backlog.splice(logAt === -1 ? 0 : logAt, 1);
    }
  }

  #close(code: number, reason: string): void {
    this.#socket?.close(code, reason.slice(0, 120));
  }
}
