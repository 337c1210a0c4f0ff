/**
 * The host provider: the `Provider` port for one application on a Linux host. Every path is
 * confined to the destination root; services are supervised here and outlive the agent.
 */
import { posix } from 'node:path';
import {
  HOST_API_VERSION,
  isHostKind,
  isTrueupError,
  keyId,
  type ApplyRequest,
  type DesiredObject,
  type DriftSignal,
  type DriftWatch,
  type HostKind,
  type LiveObject,
  type ObjectKey,
  type Provider,
} from '@trueup/api';
import { Limiter, mapBounded } from './bounded.ts';
import { commandKind } from './command-kind.ts';
import { directoryKind } from './directory-kind.ts';
import { DriftWatcher } from './drift-watch.ts';
import { HostErrors } from './errors.ts';
import type { FaultHooks } from './fault-hooks.ts';
import { fileKind } from './file-kind.ts';
import { absent, livePath, type HostContext, type KindHandler } from './kind.ts';
import { ObjectPaths } from './object-paths.ts';
import { recordDesiredPaths } from './path-records.ts';
import { OwnWrites } from './own-writes.ts';
import { Owners } from './owners.ts';
import { RootFs } from './root-fs.ts';
import { ServiceSupervisor } from './service-kind.ts';
import { StateStore } from './state-store.ts';
import { symlinkKind } from './symlink-kind.ts';
import { TempSweeper } from './temp-sweep.ts';

export interface HostProviderOptions {
  /** destination.host.root: every host path resolves under it. */
  root: string;
  /** Where service records, service logs and command records are kept. */
  stateDir: string;
  application: string;
  /** How many objects observe reads at once; default 64. */
  observeConcurrency?: number;
  /** How many File, Directory and Symlink changes run at once (descriptors, memory); default 32. */
  applyConcurrency?: number;
  /** Crash tests only: where to stop the process in a window (see FaultHooks). */
  faults?: FaultHooks;
}

export function createHostProvider(options: HostProviderOptions): Provider {
  const { root, stateDir, application } = compileOptions(options);
  const state = new StateStore(stateDir, application);
  const ctx: HostContext = { fs: new RootFs(root), owners: new Owners(), own: new OwnWrites(), state, paths: new ObjectPaths(state) };
  const listeners = new Set<(signal: DriftSignal) => void>();
  const faults = options.faults ?? {};
  const services = new ServiceSupervisor(ctx, (signal) => {
    for (const listener of listeners) listener(signal);
  }, faults);
  const kinds: Record<HostKind, KindHandler> = {
    File: fileKind(ctx),
    Directory: directoryKind(ctx),
    Symlink: symlinkKind(ctx),
    Command: commandKind(ctx, faults),
    Service: services,
  };
  const temps = new TempSweeper(ctx.fs);
  const watchers = new Set<DriftWatcher>();
  const concurrency = Math.max(1, options.observeConcurrency ?? 64);
  const pathChanges = new Limiter(Math.max(1, options.applyConcurrency ?? 32));
  /** Commands and services run long: only path kinds queue for the limiter. */
  const limited = (key: ObjectKey, change: () => Promise<void>): Promise<void> =>
    key.kind === 'Command' || key.kind === 'Service' ? change() : pathChanges.run(change);

  const handlerOf = (key: ObjectKey): KindHandler => {
    if (key.apiVersion !== HOST_API_VERSION || !isHostKind(key.kind)) {
      throw HostErrors.create('HOST_KIND_UNKNOWN', `${key.apiVersion} ${key.kind} is not a host kind`);
    }
    return kinds[key.kind];
  };

  return {
    async observe(keys: readonly ObjectKey[], desired: ReadonlyMap<string, DesiredObject>): Promise<LiveObject[]> {
      await Promise.all([temps.sweepFor(writtenPaths(desired.values())), state.sweepAll()]);
      return ctx.fs.cached(() =>
        mapBounded(keys, concurrency, async (key) => {
          try {
            return await handlerOf(key).observe(key, desired.get(keyId(key)));
          } catch (error) {
            // One unreadable object must not fail the pass: it reads as absent, and its apply reports the error.
            return absent(key, { error: describeError(error) });
          }
        }),
      );
    },
    prepareSync: (desired, { prune, inventory }) => recordDesiredPaths(ctx, kinds, desired, prune ? inventory : []),
    async apply(request: ApplyRequest): Promise<void> {
      try {
        const handler = handlerOf(request.desired.key);
        await limited(request.desired.key, () => handler.apply(request));
      } finally {
        for (const watcher of watchers) watcher.nudge();
      }
    },
    async delete(live: LiveObject): Promise<void> {
      const handler = handlerOf(live.key);
      const path = livePath(live);
      if (path !== undefined && writesTemps(live.key)) await temps.sweepFor([path]);
      // A pruned Directory's own folder too: what a killed write left in it would keep it from going.
      if (path !== undefined && isDirectory(live.key)) await temps.sweepFor([posix.join(path, 'any-entry')]);
      await limited(live.key, () => handler.delete(live));
    },
    watch(onDrift: (signal: DriftSignal) => void): DriftWatch {
      const watcher = new DriftWatcher(root, ctx.own, onDrift);
      watchers.add(watcher);
      listeners.add(onDrift);
      void services.load().catch(() => undefined);
      return {
        update: (objects) => watcher.update(objects),
        close: async () => {
          watchers.delete(watcher);
          listeners.delete(onDrift);
          await watcher.close();
        },
      };
    },
    stopAll: () => services.stopAll(),
    async close(): Promise<void> {
      listeners.clear();
      await Promise.all([...watchers].map((watcher) => watcher.close()));
      watchers.clear();
      await services.close();
    },
  };
}

/** File and Symlink are written through a temporary entry next to them (atomic-write.ts). */
function isDirectory(key: ObjectKey): boolean {
  return key.apiVersion === HOST_API_VERSION && key.kind === 'Directory';
}

function writesTemps(key: ObjectKey): boolean {
  return key.apiVersion === HOST_API_VERSION && (key.kind === 'File' || key.kind === 'Symlink');
}

function* writtenPaths(objects: Iterable<DesiredObject>): Iterable<string> {
  for (const object of objects) {
    const path = object.manifest.spec?.path;
    if (writesTemps(object.key) && typeof path === 'string') yield path;
  }
}

function compileOptions(options: HostProviderOptions): { root: string; stateDir: string; application: string } {
  if (typeof options.root !== 'string' || !posix.isAbsolute(options.root)) {
    throw HostErrors.create('HOST_ROOT_INVALID', `destination root must be an absolute path, got ${JSON.stringify(options.root)}`);
  }
  if (typeof options.stateDir !== 'string' || !posix.isAbsolute(options.stateDir)) {
    throw HostErrors.create('HOST_PATH_INVALID', `state directory must be an absolute path, got ${JSON.stringify(options.stateDir)}`);
  }
  if (typeof options.application !== 'string' || options.application === '') {
    throw HostErrors.create('HOST_PATH_INVALID', 'application name is required');
  }
  return { root: posix.normalize(options.root), stateDir: options.stateDir, application: options.application };
}

function describeError(error: unknown): { code: string; message: string } {
  if (isTrueupError(error)) return { code: error.code, message: error.describe() };
  return { code: 'HOST_APPLY_FAILED', message: error instanceof Error ? error.message : String(error) };
}
