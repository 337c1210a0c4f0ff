/**
 * Service: processes the agent supervises. A record per service under the state directory lets a
 * restarted agent adopt the processes still running (same pid and start time, or the launch mark
 * the record names when the agent was killed before writing the pid: ADR 11) instead of
 * restarting them; a marked process no record follows is a duplicate and is stopped. The live manifest is the spec the process was started with, so a changed spec
 * in Git shows as a diff; apply restarts on a changed spec or a trigger.
 */
import { HOST_API_VERSION, type ApplyRequest, type DriftSignal, type LiveObject, type ObjectKey, type ServiceSpec } from '@trueup/api';
import { processEnv, workingDir } from './command-line.ts';
import { HostErrors } from './errors.ts';
import type { FaultHooks } from './fault-hooks.ts';
import { absent, liveManifest, specOf, type HostContext, type KindHandler } from './kind.ts';
import { isSameProcess } from './proc-stat.ts';
import { findMarked, markerEnv, newLaunch, type Marked } from './process-marker.ts';
import { launchDetached, stopGroup, type Launched, type ProcessRef } from './service-process.ts';
import { specHash } from './spec-hash.ts';
import { stopTimeoutMs, SupervisedService, type ServiceHost, type ServiceRecord } from './supervised-service.ts';

export class ServiceSupervisor implements KindHandler {
  readonly #ctx: HostContext;
  readonly #emit: (signal: DriftSignal) => void;
  readonly #services = new Map<string, SupervisedService>();
  readonly #host: ServiceHost;
  readonly #faults: FaultHooks;
  #loaded: Promise<void> | undefined;

  constructor(ctx: HostContext, emit: (signal: DriftSignal) => void, faults: FaultHooks = {}) {
    this.#ctx = ctx;
    this.#emit = emit;
    this.#faults = faults;
    this.#host = {
      newLaunch: () => newLaunch(ctx.state.id),
      launch: (name, spec, launch) => this.#launch(name, spec, launch),
      execContext: async (spec) => ({ env: processEnv(ctx.fs.root, spec.env), cwd: await workingDir(ctx, spec.workingDir) }),
      persist: (record) => ctx.state.write('services', record.name, record),
      exited: (name, detail) => this.#emit({ key: serviceKey(name), source: 'process-exit', detail }),
    };
  }

  /** Reads the records once: adopts live processes, applies the restart policy to the others. */
  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async observe(key: ObjectKey): Promise<LiveObject> {
    await this.load();
    const service = this.#services.get(key.name);
    if (service === undefined) return absent(key);
    return { key, manifest: liveManifest(key, structuredClone(service.spec)), status: service.status() };
  }

  async apply({ desired, reason }: ApplyRequest): Promise<void> {
    await this.load();
    const spec = specOf<ServiceSpec>(desired);
    const hash = specHash(spec);
    const name = desired.key.name;
    const existing = this.#services.get(name);
    if (existing !== undefined && (reason === 'trigger' || existing.specHash !== hash)) {
      await existing.stop(true);
      existing.setSpec(spec, hash);
    } else if (existing?.running === true || existing?.inBackoff === true) {
      return;
    }
    const service = existing ?? new SupervisedService(name, spec, hash, this.#host);
    this.#services.set(name, service);
    try {
      await service.start();
    } catch (error) {
      // Not started: forget it, so the next pass sees it absent and tries again.
      this.#services.delete(name);
      await this.#ctx.state.remove('services', name);
      throw error;
    }
  }

  async delete(live: LiveObject): Promise<void> {
    await this.load();
    const service = this.#services.get(live.key.name);
    if (service !== undefined) await service.stop();
    this.#services.delete(live.key.name);
    await this.#ctx.state.remove('services', live.key.name);
  }

  /** Stops every supervised process and forgets it, so the next agent starts it afresh. */
  async stopAll(): Promise<void> {
    await this.load();
    const names = [...this.#services.keys()];
    const results = await Promise.allSettled(names.map((name) => this.delete({ key: serviceKey(name), manifest: undefined })));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Stops supervising; the processes keep running for the next agent to adopt. */
  async close(): Promise<void> {
    await this.#loaded?.catch(() => undefined);
    await Promise.all([...this.#services.values()].map((service) => service.close()));
  }

  /**
   * Adopts the live process of each record: by its recorded pid and start time, else (killed
   * before the pid was written) by its launch mark. Every other marked process of this state is a
   * duplicate no record follows, and is stopped before anything starts.
   */
  async #load(): Promise<void> {
    const records = new Map<string, ServiceRecord>();
    for (const name of await this.#ctx.state.list('services')) {
      const record = await this.#ctx.state.read<ServiceRecord>('services', name);
      if (record?.spec !== undefined && !this.#services.has(name)) records.set(name, record);
    }
    const marked = await findMarked('Service', this.#ctx.state.application, this.#ctx.state.id);
    const adopted = new Map<string, ProcessRef>();
    for (const [name, record] of records) {
      const ref = await liveProcess(name, record, marked);
      if (ref !== undefined) adopted.set(name, ref);
    }
    const strays = marked.filter((proc) => !this.#services.has(proc.name) && (!adopted.has(proc.name) || proc.launch !== records.get(proc.name)?.launch));
    await stopStrays(strays, records);
    for (const [name, record] of records) {
      const service = new SupervisedService(name, record.spec, record.specHash, this.#host);
      this.#services.set(name, service);
      const ref = adopted.get(name);
      if (ref !== undefined) service.adopt(record, ref);
      else await service.resume(record);
    }
  }

  async #launch(name: string, spec: ServiceSpec, launch: string): Promise<Launched> {
    const cwd = await workingDir(this.#ctx, spec.workingDir);
    await this.#ctx.state.ensureArea('logs');
    let launched: Launched;
    try {
      launched = await launchDetached({ command: spec.command, env: { ...processEnv(this.#ctx.fs.root, spec.env), ...markerEnv('Service', this.#ctx.state.application, name, launch) }, cwd, logFile: this.#ctx.state.file('logs', name, '.log') });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw HostErrors.create('HOST_SERVICE_START_FAILED', `Service ${name}: ${reason}`, {}, { cause: error });
    }
    this.#faults.afterSpawn?.('Service', name, launched.ref.pid);
    return launched;
  }
}

function serviceKey(name: string): ObjectKey {
  return { apiVersion: HOST_API_VERSION, kind: 'Service', name };
}

/** The running process of a record: its recorded pid if that still runs, else the leader marked with its launch. */
async function liveProcess(name: string, record: ServiceRecord, marked: readonly Marked[]): Promise<ProcessRef | undefined> {
  if (record.pid !== undefined && record.startTime !== undefined && (await isSameProcess(record.pid, record.startTime))) {
    return { pid: record.pid, startTime: record.startTime };
  }
  if (record.launch === undefined) return undefined;
  const leader = marked.find((proc) => proc.name === name && proc.launch === record.launch && proc.pid === proc.pgrp);
  return leader === undefined ? undefined : { pid: leader.pid, startTime: leader.startTime };
}

/** Stops the groups of marked processes no record follows, with their Service's stop signal when it is known. */
async function stopStrays(strays: readonly Marked[], records: ReadonlyMap<string, ServiceRecord>): Promise<void> {
  const groups = new Map<number, Marked>();
  for (const proc of strays) groups.set(proc.pgrp, proc);
  await Promise.allSettled(
    [...groups].map(([pgrp, proc]) => {
      const spec = records.get(proc.name)?.spec;
      const leader = proc.pid === pgrp ? proc.startTime : -1;
      return stopGroup({ pid: pgrp, startTime: leader }, spec?.stopSignal ?? 'SIGTERM', spec === undefined ? 10_000 : stopTimeoutMs(spec));
    }),
  );
}
