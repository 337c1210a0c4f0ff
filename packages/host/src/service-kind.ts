/**
 * Service: processes the agent supervises. A record per service under the state directory lets a
 * restarted agent adopt the processes still running (same pid and start time) instead of
 * restarting them. The live manifest is the spec the process was started with, so a changed spec
 * in Git shows as a diff; apply restarts on a changed spec or a trigger.
 */
import { HOST_API_VERSION, type ApplyRequest, type DriftSignal, type LiveObject, type ObjectKey, type ServiceSpec } from '@trueup/api';
import { processEnv, workingDir } from './command-line.ts';
import { HostErrors } from './errors.ts';
import type { FaultHooks } from './fault-hooks.ts';
import { absent, liveManifest, specOf, type HostContext, type KindHandler } from './kind.ts';
import { isSameProcess } from './proc-stat.ts';
import { launchDetached, type Launched } from './service-process.ts';
import { specHash } from './spec-hash.ts';
import { SupervisedService, type ServiceHost, type ServiceRecord } from './supervised-service.ts';

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
      launch: (name, spec) => this.#launch(name, spec),
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
      await existing.stop();
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
    for (const service of this.#services.values()) service.close();
  }

  async #load(): Promise<void> {
    const names = await this.#ctx.state.list('services');
    for (const name of names) {
      const record = await this.#ctx.state.read<ServiceRecord>('services', name);
      if (record?.spec === undefined || this.#services.has(name)) continue;
      const service = new SupervisedService(name, record.spec, record.specHash, this.#host);
      this.#services.set(name, service);
      const alive = record.pid !== undefined && record.startTime !== undefined && (await isSameProcess(record.pid, record.startTime));
      if (alive) service.adopt(record, { pid: record.pid ?? 0, startTime: record.startTime ?? 0 });
      else await service.resume(record);
    }
  }

  async #launch(name: string, spec: ServiceSpec): Promise<Launched> {
    const cwd = await workingDir(this.#ctx, spec.workingDir);
    await this.#ctx.state.ensureArea('logs');
    let launched: Launched;
    try {
      launched = await launchDetached({ command: spec.command, env: processEnv(this.#ctx.fs.root, spec.env), cwd, logFile: this.#ctx.state.file('logs', name, '.log') });
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
