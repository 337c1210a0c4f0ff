/**
 * Runs `kustomize` or `helm` and collects what it prints. Bounded: a time limit, a cap on stdout
 * and stderr, and the caller's abort signal, in a process group killed as a whole
 * (`@trueup/process`), so a `git` that kustomize started for a remote base does not outlive it.
 */
import { runInGroup } from '@trueup/process';
import { RenderErrors } from '../errors.ts';
import { findTool, RENDERERS, type ToolName } from '../tools/renderers.ts';
import { cleanToolMessage, type Rewrite } from './tool-message.ts';

export type { ToolName } from '../tools/renderers.ts';

/** How long one `kustomize build` or `helm template` may run. */
export const TOOL_TIMEOUT_MS = 120_000;
/** Largest output accepted from one run: objects are parsed from it in memory. */
export const TOOL_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** stderr kept from each end of the stream; the message shows less. */
const STDERR_KEEP_CHARS = 16 * 1024;

export interface ToolRun {
  tool: ToolName;
  /** A path, or a name looked up on `env.PATH`. */
  bin: string;
  args: readonly string[];
  /** The whole environment of the tool: nothing is inherited. */
  env: Record<string, string>;
  cwd?: string;
  /** Repo-relative path being rendered: every message names it. */
  renderPath: string;
  /** Absolute paths in stderr to show otherwise (the checkout, temporary folders). */
  rewrites?: readonly Rewrite[];
  /** stderr lines that mean nothing to a user of the agent (hints about the tool's own flags). */
  noise?: readonly RegExp[];
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal | undefined;
  /** Written to the tool's stdin (a password for `--password-stdin`). */
  input?: string;
  /** What the run does to `renderPath`, for messages; default `rendering`. */
  doing?: string;
}

/** Resolves with stdout when the tool exits 0; rejects with a RENDER_TOOL_* error, or the signal's reason. */
export async function runTool(run: ToolRun): Promise<string> {
  const timeoutMs = run.timeoutMs ?? TOOL_TIMEOUT_MS;
  const maxOutputBytes = run.maxOutputBytes ?? TOOL_MAX_OUTPUT_BYTES;
  const location = { file: run.renderPath };
  const subcommand = run.args[0]?.startsWith('-') === false ? run.args[0] : ''; // `kustomize build`, plain `jsonnet`
  const command = `${run.tool} ${subcommand}`.trim();
  const doing = `${run.doing ?? 'rendering'} ${run.renderPath}`;
  const stderr = new StderrBuffer();
  const outcome = await runInGroup({
    command: run.bin, args: run.args, cwd: run.cwd, env: run.env, input: run.input, timeoutMs, maxStdoutBytes: maxOutputBytes, onStderr: (chunk) => stderr.push(chunk), signal: run.signal,
  });
  switch (outcome.kind) {
    case 'timed-out':
      throw RenderErrors.create('RENDER_TOOL_TIMEOUT', `${command} did not finish within ${timeoutMs / 1000}s ${doing} and was killed`, location);
    case 'too-much-output':
      throw RenderErrors.create('RENDER_LIMIT', `${command} printed more than ${maxOutputBytes} bytes ${doing}`, location);
    case 'not-started':
      throw startError(run, outcome.error);
    case 'exited': {
      if (outcome.code === 0) return outcome.stdout.toString('utf8');
      const said = cleanToolMessage(dropLines(stderr.text(), run.noise ?? []), run.rewrites);
      const how = outcome.signal === null ? `exited with code ${outcome.code}` : `was killed by ${outcome.signal}`;
      const message = said === '' ? `${command} ${how} ${doing}` : `${command} failed ${doing}: ${said}`;
      throw RenderErrors.create('RENDER_TOOL_FAILED', message, location);
    }
  }
}

function startError(run: ToolRun, error: NodeJS.ErrnoException): Error {
  const where = run.bin.includes('/') ? `"${run.bin}"` : `"${run.bin}" on PATH`;
  const hint = `run \`trueup tools install\` (it builds the pinned ${run.tool} ${RENDERERS[run.tool].version}), or set ${RENDERERS[run.tool].env} to its path`;
  const location = { file: run.renderPath };
  switch (error.code) {
    case 'ENOENT':
      return RenderErrors.create('RENDER_TOOL_MISSING', `${run.tool} is needed to render ${run.renderPath} but ${where} was not found: ${hint}`, location, { cause: error });
    case 'EACCES':
      return RenderErrors.create('RENDER_TOOL_MISSING', `${run.tool} is needed to render ${run.renderPath} but ${where} is not executable: ${hint}`, location, { cause: error });
    default:
      return RenderErrors.create('RENDER_TOOL_FAILED', `cannot start ${run.tool} to render ${run.renderPath}: ${error.code ?? error.message}`, location, { cause: error });
  }
}

function dropLines(text: string, noise: readonly RegExp[]): string {
  return noise.length === 0 ? text : text.split('\n').filter((line) => !noise.some((pattern) => pattern.test(line))).join('\n');
}

/** The first and last STDERR_KEEP_CHARS of a stream. */
class StderrBuffer {
  #head = '';
  #tail = '';
  #dropped = false;

  push(chunk: string): void {
    if (this.#head.length < STDERR_KEEP_CHARS) {
      const room = STDERR_KEEP_CHARS - this.#head.length;
      this.#head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (chunk === '') return;
    const joined = this.#tail + chunk;
    if (joined.length > STDERR_KEEP_CHARS) this.#dropped = true;
    this.#tail = joined.slice(-STDERR_KEEP_CHARS);
  }

  text(): string {
    return this.#dropped ? `${this.#head}\n…\n${this.#tail}` : this.#head + this.#tail;
  }
}

/** The binary to run: the option, else `$TRUEUP_KUSTOMIZE`…, else the version `trueup tools install` built, else the name on PATH. */
export function toolBin(tool: ToolName, configured: string | undefined): string {
  return findTool(tool, configured).bin;
}

/**
 * The environment a tool gets: PATH, and a private HOME and TMPDIR, nothing else. The agent's own
 * variables (tokens, proxies, KUBECONFIG) and the user's dotfiles never reach a render.
 */
export function toolEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, TMPDIR: home, LC_ALL: 'C', ...extra };
}
