/**
 * The real agent as its own process (`trueup agent --state-dir D --listen 127.0.0.1:0
 * --log-format json PATHS…`), as the Kubernetes benchmarks drive it: its JSON log lines read as
 * events, its API (refresh, applications), and its CPU time and memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { processCpuMs, processMemoryMiB } from './kube-env.ts';
import { trueupArgv, trueupEnv } from './tools.ts';

/** One line of the agent's JSON log (packages/cli/src/event-log.ts). */
export interface LogEvent {
  event: string;
  application: string;
  revision?: string;
  sync?: string;
  health?: string;
  changed?: number;
  durationMs?: number;
  object?: string;
  error?: { code: string; message: string };
  /** performance.now() when the line was read. */
  at: number;
}

/** The part of an application's status the benchmarks read. */
export interface AppStatus {
  name: string;
  revision: string;
  appliedRevision: string;
  sync: string;
  health: { status: string; message?: string };
  error?: { code: string; message: string };
  resources: Array<{ kind: string; name: string; sync: string; health?: { status: string } }>;
}

export class AgentProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  readonly exited: Promise<number | null>;
  url = '';
  #token = '';
  readonly #log: WriteStream;
  readonly #listeners = new Set<(event: LogEvent) => void>();
  readonly #stateDir: string;

  private constructor(stateDir: string, paths: readonly string[], logFile: string, nodeFlags: readonly string[]) {
    this.#stateDir = stateDir;
    this.#log = createWriteStream(logFile, { flags: 'a' });
    const [node, ...args] = trueupArgv('agent', '--state-dir', stateDir, '--listen', '127.0.0.1:0', '--log-format', 'json', ...paths);
    this.spawnedAt = performance.now();
    this.child = spawn(node ?? process.execPath, [...nodeFlags, ...args], { env: trueupEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.pid = this.child.pid ?? 0;
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    const lines = createInterface({ input: this.child.stderr! });
    lines.on('line', (line) => {
      const at = performance.now();
      this.#log.write(`${line}\n`);
      if (!line.startsWith('{')) return;
      const event = { ...JSON.parse(line) as Omit<LogEvent, 'at'>, at };
      for (const listener of this.#listeners) listener(event);
    });
  }

  /** Starts the agent; resolves once it listens (its URL is in `<state-dir>/agent.json`). */
  static async start(options: { stateDir: string; paths: readonly string[]; logFile: string; onEvent?: (event: LogEvent) => void; nodeFlags?: readonly string[] }): Promise<AgentProcess> {
    const agent = new AgentProcess(options.stateDir, options.paths, options.logFile, options.nodeFlags ?? []);
    if (options.onEvent !== undefined) agent.onEvent(options.onEvent);
    const deadline = Date.now() + 120_000;
    let exitCode: number | null | undefined;
    void agent.exited.then((code) => (exitCode = code));
    try {
      for (;;) {
        // Missing, or caught half-written: not yet.
        const info = await readFile(join(options.stateDir, 'agent.json'), 'utf8').then((text) => JSON.parse(text) as { url?: string; pid?: number }).catch(() => undefined);
        if (info?.pid === agent.pid && typeof info.url === 'string') {
          agent.url = info.url;
          agent.#token = (await readFile(join(options.stateDir, 'api-token'), 'utf8')).trim(); // written before agent.json
          return agent;
        }
        if (exitCode !== undefined) throw new Error(`the agent exited (${exitCode}) before it listened; see ${options.logFile}`);
        if (Date.now() > deadline) throw new Error(`the agent did not listen within 120 s; see ${options.logFile}`);
        await sleep(20);
      }
    } catch (error) {
      await agent.stop();
      throw error;
    }
  }

  onEvent(listener: (event: LogEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The next log event matching `match`; rejects after `timeoutMs`. */
  next(match: (event: LogEvent) => boolean, timeoutMs: number): Promise<LogEvent> {
    return new Promise((resolve, reject) => {
      const stop = this.onEvent((event) => {
        if (!match(event)) return;
        stop();
        clearTimeout(timer);
        resolve(event);
      });
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no matching agent log event within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** The API's token header (`<state-dir>/api-token`). */
  #auth(): Record<string, string> {
    return { authorization: `Bearer ${this.#token}` };
  }

  /** `POST /api/v1/applications/NAME/refresh?wait=true`: the status after the pass. */
  async refresh(name: string): Promise<AppStatus> {
    const res = await fetch(`${this.url}/api/v1/applications/${encodeURIComponent(name)}/refresh?wait=true`, { method: 'POST', headers: this.#auth() });
    if (!res.ok) throw new Error(`refresh ${name}: HTTP ${res.status}: ${await res.text()}`);
    return await res.json() as AppStatus;
  }

  /** `GET /api/v1/applications`. */
  async applications(): Promise<AppStatus[]> {
    const res = await fetch(`${this.url}/api/v1/applications`, { headers: this.#auth() });
    if (!res.ok) throw new Error(`applications: HTTP ${res.status}`);
    return (await res.json() as { applications: AppStatus[] }).applications;
  }

  cpuMs(): { selfMs: number; childrenMs: number } {
    return processCpuMs(this.pid);
  }

  /** The Node.js flags the process runs with (the CLI re-executes itself with its runtime flags). */
  nodeFlags(): string {
    const argv = readFileSync(`/proc/${this.pid}/cmdline`, 'utf8').split('\0');
    const script = argv.findIndex((arg, i) => i > 0 && !arg.startsWith('-'));
    return argv.slice(1, script < 0 ? undefined : script).join(' ');
  }

  memoryMiB(): { rss: number; hwm: number } {
    return processMemoryMiB(this.pid);
  }

  get stateDir(): string {
    return this.#stateDir;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timeout = new AbortController();
    const code = await Promise.race([this.exited, sleep(30_000, 'timeout' as const, { signal: timeout.signal })]);
    timeout.abort();
    if (code === 'timeout') this.child.kill('SIGKILL');
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}
