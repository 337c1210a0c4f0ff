/**
 * Command: an idempotent run. In sync when `creates` exists or `unless` exits 0; without guards,
 * when this exact spec already ran successfully. Out of sync means absent, so the engine plans a
 * run; `onChange` makes the engine apply with reason 'trigger', which runs it regardless.
 */
import { parseDuration, type ApplyRequest, type CommandSpec, type DesiredObject, type ObjectKey } from '@trueup/api';
import { describeCommand, processEnv, workingDir } from './command-line.ts';
import { HostErrors } from './errors.ts';
import type { FaultHooks } from './fault-hooks.ts';
import { absent, liveManifest, specOf, type HostContext, type KindHandler } from './kind.ts';
import { lstatOrUndefined } from './root-fs.ts';
import { hostPath, objectPathParts } from './root-path.ts';
import { settleOrphanRun, type RunningRecord } from './orphan-run.ts';
import { readProcStat } from './proc-stat.ts';
import { markerEnv, newLaunch } from './process-marker.ts';
import { lastLines, runCommand } from './run-command.ts';
import { specHash } from './spec-hash.ts';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

interface CommandRecord {
  spec: CommandSpec;
  /** Hash of the spec that last ran successfully. */
  succeededHash?: string;
  lastExitCode?: number;
  lastRunAt?: string;
  /** A run in progress: written before the spawn, removed when it ends (see orphan-run.ts). */
  running?: RunningRecord;
}

export function commandKind(ctx: HostContext, faults: FaultHooks = {}): KindHandler {
  return {
    async observe(key, desired) {
      const record = await ctx.state.read<CommandRecord>('commands', key.name);
      const status = recordStatus(record);
      if (desired === undefined) return record === undefined ? absent(key) : { key, manifest: liveManifest(key, { ...record.spec }), status };
      const inSync = await isInSync(ctx, desired, record);
      return { key, manifest: inSync ? structuredClone(desired.manifest) : undefined, status };
    },
    apply: (request) => runIt(ctx, request, faults),
    async delete(live) {
      await ctx.state.remove('commands', live.key.name);
    },
  };
}

async function isInSync(ctx: HostContext, desired: DesiredObject, record: CommandRecord | undefined): Promise<boolean> {
  const spec = specOf<CommandSpec>(desired);
  if (spec.creates === undefined && spec.unless === undefined) return record?.succeededHash === specHash(spec);
  if (spec.creates !== undefined && (await createsExists(ctx, spec.creates))) return true;
  if (spec.unless === undefined) return false;
  const result = await runCommand({ command: spec.unless, env: processEnv(ctx.fs.root, spec.env), cwd: await workingDir(ctx, spec.workingDir), timeoutMs: timeoutOf(spec) });
  return result.exitCode === 0;
}

async function createsExists(ctx: HostContext, creates: string): Promise<boolean> {
  const { parent, name } = objectPathParts(creates, 'spec.creates');
  const dir = await ctx.fs.openDir(parent, 'open', 'spec.creates');
  if (dir === undefined) return false;
  try {
    return (await lstatOrUndefined(dir.entry(name))) !== undefined;
  } finally {
    await dir.close();
  }
}

async function runIt(ctx: HostContext, { desired, reason }: ApplyRequest, faults: FaultHooks): Promise<void> {
  const spec = specOf<CommandSpec>(desired);
  const name = desired.key.name;
  const creates = spec.creates === undefined ? undefined : objectPathParts(spec.creates, 'spec.creates');
  const cwd = await workingDir(ctx, spec.workingDir);
  const createsPath = creates === undefined ? undefined : hostPath(ctx.fs.root, [...creates.parent, creates.name]);
  const previous = await ctx.state.read<CommandRecord>('commands', name);
  const { running: orphan, ...last } = previous ?? { spec };
  if (orphan !== undefined && (await settleOrphanRun(ctx.state, name, orphan, timeoutOf(previous?.spec ?? spec)))) {
    // The earlier run has ended meanwhile: its guard may hold now (its exit code is unknown).
    const guarded = spec.creates !== undefined || spec.unless !== undefined;
    if (reason !== 'trigger' && guarded && (await isInSync(ctx, desired, previous))) {
      await ctx.state.write('commands', name, last);
      return;
    }
  }
  const running: RunningRecord = { launch: newLaunch(ctx.state.id), startedAt: new Date().toISOString() };
  await ctx.state.write('commands', name, { ...last, running });
  const end = createsPath === undefined ? undefined : ctx.own.begin(createsPath);
  try {
    const env = { ...processEnv(ctx.fs.root, spec.env), ...markerEnv('Command', ctx.state.application, name, running.launch) };
    const onSpawn = async (pid: number): Promise<void> => {
      faults.afterSpawn?.('Command', name, pid);
      const startTime = (await readProcStat(pid))?.startTime;
      // Not fatal when it fails: the run is found by its mark, recorded before the spawn.
      await ctx.state.write('commands', name, { ...last, running: { ...running, pid, ...(startTime === undefined ? {} : { startTime }) } }).catch(() => undefined);
    };
    await ctx.state.ensureArea('logs');
    const output = { stdout: ctx.state.file('logs', name, '.command.out'), stderr: ctx.state.file('logs', name, '.command.err') };
    const result = await runCommand({ command: spec.run, env, cwd, timeoutMs: timeoutOf(spec), onSpawn, output });
    const record: CommandRecord = { ...last, spec, lastRunAt: new Date().toISOString() };
    if (result.exitCode !== undefined) record.lastExitCode = result.exitCode;
    if (result.exitCode === 0 && !result.timedOut) {
      await ctx.state.write('commands', name, { ...record, succeededHash: specHash(spec) });
      if (createsPath !== undefined) ctx.own.record(createsPath, await lstatOrUndefined(createsPath));
      return;
    }
    await ctx.state.write('commands', name, record);
    throw HostErrors.create('HOST_COMMAND_FAILED', failureMessage(desired.key, spec, result));
  } finally {
    end?.();
  }
}

function failureMessage(key: ObjectKey, spec: CommandSpec, result: Awaited<ReturnType<typeof runCommand>>): string {
  const what = `Command ${key.name} (${describeCommand(spec.run)})`;
  if (result.error !== undefined) return `${what} could not start: ${result.error}`;
  const output = withoutEnvValues(lastLines(result.stderr.trim() === '' ? result.stdout : result.stderr), spec.env);
  const why = result.timedOut ? `timed out after ${spec.timeout}` : `exited with code ${result.exitCode ?? 'unknown'}`;
  return output === '' ? `${what} ${why}` : `${what} ${why}:\n${output}`;
}

/** The output goes to status, history and logs: values of `env` (often credentials) that it echoes are masked. */
function withoutEnvValues(output: string, env: Record<string, string> | undefined): string {
  const values = Object.values(env ?? {}).filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  return values.reduce((text, value) => text.split(value).join('***'), output);
}

function recordStatus(record: CommandRecord | undefined): Record<string, unknown> {
  const status: Record<string, unknown> = {};
  if (record === undefined) return status;
  if (record.lastExitCode !== undefined) status.lastExitCode = record.lastExitCode;
  if (record.lastRunAt !== undefined) status.lastRunAt = record.lastRunAt;
  return status;
}

function timeoutOf(spec: CommandSpec): number {
  return parseDuration(spec.timeout ?? '') ?? DEFAULT_TIMEOUT_MS;
}
