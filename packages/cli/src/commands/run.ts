/** `trueup run [WORKFLOW]`: runs a workflow of the current checkout here, with the runner's executor. */
import type { JobEvent } from '@trueup/api';
import { localRun } from '@trueup/runner';
import { outputFormat, outputOption, type Command } from '../command.ts';
import { agentApplicationDeployer } from '../application-deployer.ts';
import { hubHandoffSteps } from '../handoff-steps.ts';
import { hubClient } from '../hub-target.ts';
import { formatTable, paint, printJson, shortSha } from '../output.ts';

export const runCommand: Command = {
  name: 'run',
  usage: 'trueup run [WORKFLOW] [--job J]… [--event push|workflow_dispatch] [--input k=v]… [--secret-file F] [--dir D] [--parallel N] [-o json]',
  summary: 'Run a workflow of the current checkout here, with the runner\'s own executor and no hub. Exit 0 when it succeeds.',
  options: {
    job: { type: 'string', multiple: true },
    event: { type: 'string' },
    input: { type: 'string', multiple: true },
    'secret-file': { type: 'string' },
    dir: { type: 'string' },
    parallel: { type: 'string' },
    ...outputOption,
  },
  async run({ values, positionals }) {
    const event = values.event ?? 'push';
    if (event !== 'push' && event !== 'workflow_dispatch') throw new Error(`--event must be push or workflow_dispatch, not "${String(event)}"`);
    const inputs: Record<string, string> = {};
    for (const pair of strings(values.input)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--input takes name=value, not "${pair}"`);
      inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const parallel = typeof values.parallel === 'string' ? Number(values.parallel) : 2;
    if (!Number.isInteger(parallel) || parallel < 1) throw new Error('--parallel takes a whole number of at least 1');
    const controller = new AbortController();
    const force = new AbortController();
    const onSignal = (): void => {
      if (controller.signal.aborted) {
        process.stderr.write('\nstopping the steps that run after a cancel too…\n');
        force.abort();
        return;
      }
      process.stderr.write('\ncancelling the run (steps with always() still run; again to stop them too)…\n');
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const json = outputFormat(values) === 'json';
    const names = new Map<string, string>();
    const printer = new LinePrinter(json ? process.stderr : process.stdout);
    // With TRUEUP_HUB (and TRUEUP_TOKEN), the trueup/gitops-set and trueup/wait-healthy steps go through that hub.
    const hub = await hubClient({});
    try {
      const outcome = await localRun({
        repoDir: typeof values.dir === 'string' ? values.dir : process.cwd(),
        workflow: positionals[0],
        jobs: strings(values.job),
        event, inputs, parallelJobs: parallel, signal: controller.signal, forceSignal: force.signal,
        secretFile: typeof values['secret-file'] === 'string' ? values['secret-file'] : undefined,
        ...(hub === undefined ? {} : { handoff: hubHandoffSteps(hub, `local-${process.pid}-${Date.now()}`) }),
        applications: agentApplicationDeployer,
      }, {
        onJobEvent: (key, e) => printEvent(printer, names, key, e),
        onJobSkipped: (id, reason) => printer.out.write(`${paint(`${id}: skipped`, 'dim')} (${reason})\n`),
        onNote: (text) => printer.out.write(`${paint(text, 'dim')}\n`),
      });
      printer.flushAll();
      if (json) {
        printJson({
          workflow: outcome.workflow.file, name: outcome.workflow.name, sha: outcome.sha, ref: outcome.ref, uncommittedChanges: outcome.dirty,
          conclusion: outcome.result.conclusion,
          jobs: outcome.result.jobs.map((job) => ({
            id: job.id, name: job.name, conclusion: job.conclusion, outputs: job.outputs,
            durationMs: job.result?.durationMs ?? null, logTruncated: job.result?.logTruncated ?? false,
            steps: job.result?.steps ?? [],
          })),
        });
        return outcome.result.conclusion === 'success' ? 0 : 1;
      }
      const rows = outcome.result.jobs.map((job) => [job.name, mark(job.conclusion), job.result === undefined ? '-' : `${(job.result.durationMs / 1000).toFixed(1)}s`]);
      process.stdout.write(`\n${outcome.workflow.name} at ${shortSha(outcome.sha)}${outcome.dirty ? ' (with uncommitted changes)' : ''}: ${mark(outcome.result.conclusion)}\n${formatTable(['JOB', 'RESULT', 'TIME'], rows)}`);
      return outcome.result.conclusion === 'success' ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
}

function mark(conclusion: string): string {
  switch (conclusion) {
    case 'success': return paint('✓ success', 'green');
    case 'failure': return paint('✗ failure', 'red');
    case 'cancelled': return paint('⊘ cancelled', 'yellow');
    default: return paint(`- ${conclusion}`, 'dim');
  }
}

/** Log text arrives in pieces; lines are printed whole, each with its job's name in front. */
class LinePrinter {
  readonly #pending = new Map<string, string>();
  /** Progress goes to stdout, or to stderr when stdout carries JSON. */
  readonly out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream) {
    this.out = out;
  }

  write(prefix: string, text: string): void {
    const all = (this.#pending.get(prefix) ?? '') + text;
    const last = all.lastIndexOf('\n');
    if (last === -1) {
      this.#pending.set(prefix, all);
      return;
    }
    this.#pending.set(prefix, all.slice(last + 1));
    this.out.write(all.slice(0, last).split('\n').map((line) => `${paint(`${prefix} |`, 'dim')} ${line}\n`).join(''));
  }

  flush(prefix: string): void {
    const rest = this.#pending.get(prefix) ?? '';
    if (rest !== '') this.out.write(`${paint(`${prefix} |`, 'dim')} ${rest}\n`);
    this.#pending.delete(prefix);
  }

  flushAll(): void {
    for (const prefix of [...this.#pending.keys()]) this.flush(prefix);
  }
}

function printEvent(printer: LinePrinter, names: Map<string, string>, key: string, event: JobEvent): void {
  const name = names.get(key) ?? key;
  switch (event.type) {
    case 'job-started':
      names.set(key, event.name);
      printer.out.write(`${paint('▶', 'green')} ${event.name}\n`);
      break;
    case 'step-started':
      printer.flush(name);
      printer.out.write(`${name} ▸ ${event.name}\n`);
      break;
    case 'log':
      printer.write(name, event.text);
      break;
    case 'step-finished':
      printer.flush(name);
      if (event.conclusion === 'skipped') printer.out.write(`${name} ${paint(`- skipped ${event.id}`, 'dim')}\n`);
      else printer.out.write(`${name} ${mark(event.conclusion)}${event.outcome !== event.conclusion ? ` (outcome ${event.outcome}, continue-on-error)` : ''} ${paint(`${event.durationMs} ms`, 'dim')}\n`);
      break;
    case 'job-finished':
      printer.flush(name);
      printer.out.write(`${name}: ${mark(event.conclusion)} in ${(event.durationMs / 1000).toFixed(1)}s${Object.keys(event.outputs).length > 0 ? ` — outputs ${JSON.stringify(event.outputs)}` : ''}\n`);
      if (event.summary !== '') printer.out.write(`${event.summary.trimEnd()}\n`);
      break;
  }
}
