/**
 * The agent as a real process (the CLI's `trueup agent`), which a crash trial kills with SIGKILL:
 * its JSON log lines are read as they come, so a trial can wait for a pass to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface AgentLogLine {
  event?: string;
  application?: string;
  revision?: string;
  sync?: string;
  health?: string;
  [field: string]: unknown;
}

export class AgentProcess {
  readonly lines: AgentLogLine[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #waiters = new Set<() => void>();
  /** The last lines of what the agent printed, for a failure message. */
  readonly #tail: string[] = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const read = (stream: NodeJS.ReadableStream | null): void => {
      if (stream === null) return;
      createInterface({ input: stream }).on('line', (text) => {
        this.#tail.push(text);
        if (this.#tail.length > 20) this.#tail.shift();
        try {
          this.lines.push(JSON.parse(text) as AgentLogLine);
        } catch {
          return; // not a log line (a start message)
        }
        for (const wake of this.#waiters) wake();
      });
    };
    read(child.stderr);
    read(child.stdout);
  }

  /** Starts `command` (the agent's argv, program first) with a JSON log. */
  static start(command: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentProcess {
    const [program, ...args] = command;
    if (program === undefined) throw new Error('no agent command');
    return new AgentProcess(spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env }));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  tail(): string {
    return this.#tail.join('\n');
  }

  /** Resolves at the first log line (past or future) matching `match`; false after `timeoutMs` or when the agent exits. */
  async waitForLine(match: (line: AgentLogLine) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.some(match)) {
      if (!this.running || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 20);
        this.#waiters.add(wake);
      });
    }
    return true;
  }

  /** The fault: SIGKILL, no chance to clean up. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** A clean stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return this.#exited;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
