/** `trueup diff` and `trueup sync`: one pass now, outside the agent loop. */
import { describeStatusError, isTrueupError, parseDuration, type ApplicationStatus } from '@trueup/api';
import { loadApplications, runOnce, stateLockHolder, type AgentEvent } from '@trueup/agent';
import { AgentAnswerError, agentClient, type AgentClient } from '../agent-client.ts';
import { outputFormat, outputOption, stateDirOf, stateDirOption, type Command, type CommandContext } from '../command.ts';
import { paint, printJson, shortSha, withProgress } from '../output.ts';
import { hubClientFor } from '../hub-target.ts';
import { hubCommand } from './hub-actions.ts';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'trueup diff APPLICATION.yaml [--state-dir D] [-o json]',
  summary: 'Show what a sync would change, as a unified diff. Exit 0 in sync, 1 differs, 2 error.',
  options: { ...stateDirOption, ...outputOption },
  async run({ values, positionals }) {
    const { statuses, problems } = await passes(values, positionals, 'detect');
    if (outputFormat(values) === 'json') printJson({ applications: statuses });
    else for (const status of statuses) printDiff(status);
    if (problems > 0 || statuses.some((s) => s.error !== undefined)) return 2;
    return statuses.some((s) => s.sync !== 'Synced') ? 1 : 0;
  },
};

export const syncCommand: Command = {
  name: 'sync',
  usage: 'trueup sync APPLICATION.yaml [--dry-run] [--timeout 2m] [--state-dir D] [-o json]\n       trueup sync ENV/APP --hub URL [--prune | --no-prune] [--dry-run] [--timeout 2m] [-o json]',
  summary: 'Run one reconcile pass now and wait while it is Progressing. Exit 0 when synced and healthy.',
  options: { ...stateDirOption, ...outputOption, 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' }, 'no-prune': { type: 'boolean' }, timeout: { type: 'string', default: '2m' }, hub: { type: 'string' }, 'ca-file': { type: 'string' }, 'token-file': { type: 'string' } },
  async run({ values, positionals }) {
    const dryRun = values['dry-run'] === true;
    const timeout = parseDuration(String(values.timeout));
    if (timeout === undefined) throw new Error(`--timeout: expected a duration such as 30s or 2m, not "${String(values.timeout)}"`);
    // Through a hub when one is named: ENV/APP.
    const hub = await hubClientFor(values, positionals[0]);
    if (values.prune === true && values['no-prune'] === true) throw new Error('give --prune or --no-prune, not both');
    const prune = values.prune === true ? true : values['no-prune'] === true ? false : undefined;
    if (hub !== undefined) return hubCommand(hub, 'sync', positionals[0], { wait: true, timeoutSeconds: Math.min(600, Math.ceil(timeout / 1000)), json: outputFormat(values) === 'json', prune, dryRun });
    if (prune !== undefined) throw new Error('--prune and --no-prune apply to a sync through a hub (ENV/APP --hub URL); a local sync follows the Application\'s syncPolicy');
    const { statuses, problems } = await passes(values, positionals, dryRun ? 'detect' : 'apply', timeout);
    if (outputFormat(values) === 'json') printJson({ applications: statuses });
    else for (const status of statuses) (dryRun ? printDiff : printResult)(status);
    if (problems > 0 || statuses.some((s) => s.error !== undefined)) return 2;
    return statuses.every((s) => s.sync === 'Synced' && (dryRun || s.health.status === 'Healthy')) ? 0 : 1;
  },
};

/**
 * One pass for each application given and each one Git declares inside them. `problems` counts
 * what kept an application from running (told on stderr at once).
 */
async function passes(values: CommandContext['values'], paths: string[], mode: 'apply' | 'detect', waitHealthyMs = 0): Promise<{ statuses: ApplicationStatus[]; problems: number }> {
  if (paths.length === 0) throw new Error('give an Application file');
  let problems = 0;
  const onEvent = (event: AgentEvent): void => {
    if (event.type !== 'error') return;
    problems++;
    process.stderr.write(`${event.application}: ${paint('error', 'red')} ${event.message}\n`);
  };
  const stateDir = stateDirOf(values);
  const pass = runOnce({ stateDir, paths, mode, waitHealthyMs, onEvent }).catch(async (error: unknown) => {
    const holder = stateLockHolder(stateDir);
    if (!isTrueupError(error) || error.code !== 'AGENT_STATE_DIR_LOCKED' || holder?.command !== 'agent') throw error;
    // The agent that holds the lock must be the one listening: else the lock's message says what to do.
    const client = await agentClient(stateDir).catch(() => undefined);
    if (client?.pid !== holder.pid) throw error;
    return throughAgent(client, stateDir, paths, mode, waitHealthyMs);
  });
  const statuses = await withProgress(mode === 'apply' ? 'syncing' : 'comparing', pass);
  return { statuses, problems };
}

/**
 * The same passes, run by the agent that holds the state dir (one writer per state dir): each
 * application of the files given, as the agent loaded it. Applications Git declares inside
 * them get their passes from the agent's own loop.
 */
async function throughAgent(client: AgentClient, stateDir: string, paths: string[], mode: 'apply' | 'detect', waitHealthyMs: number): Promise<ApplicationStatus[]> {
  process.stderr.write(`trueup: ${stateDir} belongs to the running agent${client.pid === undefined ? '' : ` (pid ${client.pid})`}; the pass runs there\n`);
  const statuses: ApplicationStatus[] = [];
  for (const app of await loadApplications(paths)) {
    const name = app.application.metadata.name;
    const { body } = await client.post(name, 'sync', { mode, waitHealthyMs: String(waitHealthyMs) }).catch((error: unknown) => {
      if (!(error instanceof AgentAnswerError) || error.code !== 'AGENT_APPLICATION_NOT_FOUND') throw error;
      throw new Error(`the agent${client.pid === undefined ? '' : ` (pid ${client.pid})`} that holds ${stateDir} does not run "${name}", and it is the only writer of that state dir: add the application to the agent, stop the agent, or use another --state-dir`);
    });
    statuses.push(body as ApplicationStatus);
  }
  return statuses;
}

function printDiff(status: ApplicationStatus): void {
  if (status.error !== undefined) {
    process.stderr.write(`${status.name}: ${paint('error', 'red')} ${describeStatusError(status.error)} [${status.error.code}]\n`);
    return;
  }
  const changed = status.resources.filter((r) => r.sync !== 'Synced');
  if (changed.length === 0) {
    process.stdout.write(`${status.name}: in sync at ${shortSha(status.revision)}\n`);
    return;
  }
  for (const resource of changed) process.stdout.write(colorDiff(resource.diff ?? ''));
}

function printResult(status: ApplicationStatus): void {
  const line = `${status.name}: ${shortSha(status.revision)} ${status.sync}/${status.health.status}`;
  if (status.error !== undefined) process.stderr.write(`${line} — ${paint('error', 'red')} ${describeStatusError(status.error)} [${status.error.code}]\n`);
  else process.stdout.write(`${line}\n`);
  for (const r of status.resources.filter((r) => r.health.status !== 'Healthy')) process.stdout.write(`  ${r.kind}/${r.name}: ${r.health.status} ${r.health.message ?? ''}\n`);
}

function colorDiff(patch: string): string {
  return patch.split('\n').map((line) => (line.startsWith('+') ? paint(line, 'green') : line.startsWith('-') ? paint(line, 'red') : line)).join('\n');
}
