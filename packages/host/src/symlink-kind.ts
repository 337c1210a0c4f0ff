/**
 * Symlink: a link whose target stays under the root. An absolute target is taken under the root
 * (`/opt/x` → `<root>/opt/x` on disk) and reported back as written; a relative one must not climb
 * out, and neither may a symlink already on disk along the target.
 */
import { promises as fsp } from 'node:fs';
import type { ApplyRequest, LiveObject, ObjectKey, SymlinkSpec } from '@trueup/api';
import { clearWay, writeSymlinkAtomic } from './atomic-write.ts';
import { applyFailed, HostErrors } from './errors.ts';
import { observeEntry, pathEntryKind, specOf, type HostContext, type KindHandler } from './kind.ts';
import { lstatOrUndefined, type DirHandle } from './root-fs.ts';
import { hostPath, manifestPath, objectPathParts, partsUnder, pathParts, walkParts } from './root-path.ts';

export function symlinkKind(ctx: HostContext): KindHandler {
  return pathEntryKind<SymlinkSpec>(ctx, { observeAt: observeSymlink, apply: applySymlink, isEntry: (stats) => stats.isSymbolicLink() });
}

async function observeSymlink(ctx: HostContext, key: ObjectKey, path: string, spec: SymlinkSpec | undefined): Promise<LiveObject> {
  return observeEntry(ctx, key, path, (stats) => stats.isSymbolicLink(), async (entry) => ({
    target: await userTarget(ctx, await fsp.readlink(entry), spec?.target),
  }));
}

/** Maps an on-disk absolute target under the root back to the manifest's notation. */
async function userTarget(ctx: HostContext, onDisk: string, desired: string | undefined): Promise<string> {
  if (!onDisk.startsWith('/')) return onDisk;
  const under = partsUnder(await ctx.fs.realRoot(), onDisk);
  if (under === undefined) return onDisk;
  const target = manifestPath(under);
  if (desired?.startsWith('/') === true && manifestPath(walkParts([], desired.split('/')) ?? []) === target) return desired;
  return target;
}

async function applySymlink(ctx: HostContext, { desired }: ApplyRequest): Promise<void> {
  const spec = specOf<SymlinkSpec>(desired);
  const { parent, name } = objectPathParts(spec.path);
  const lexical = hostPath(ctx.fs.root, [...parent, name]);
  const end = ctx.own.begin(lexical);
  try {
    const dir = await ctx.fs.ensureDir(parent);
    try {
      const onDisk = await diskTarget(ctx, dir, spec.target);
      await ctx.paths.set(desired.key, spec.path); // before the entry exists: a pass killed after the write still knows it
      const existing = await lstatOrUndefined(dir.entry(name));
      const current = existing?.isSymbolicLink() === true ? await fsp.readlink(dir.entry(name)) : undefined;
      if (current !== onDisk) {
        if (existing?.isDirectory() === true) await clearWay(ctx.fs, dir, name, existing, false);
        await writeSymlinkAtomic(ctx.fs, dir, name, onDisk);
      }
      ctx.own.record(lexical, await lstatOrUndefined(dir.entry(name)));
    } finally {
      await dir.close();
    }
  } catch (error) {
    throw applyFailed(`Symlink ${spec.path}`, error);
  } finally {
    end();
  }
}

/**
 * The target as written on disk, after checking that it stays under the root: lexically, and
 * through every symlink already on disk along it.
 */
async function diskTarget(ctx: HostContext, linkDir: DirHandle, target: string): Promise<string> {
  const real = await ctx.fs.realRoot();
  const absolute = target.startsWith('/');
  const parts = absolute ? pathParts(target, 'spec.target') : walkParts(linkDir.parts, target.split('/'));
  if (parts === undefined) throw HostErrors.create('HOST_PATH_ESCAPES_ROOT', `target ${target} climbs above the root`, { field: 'spec.target' });
  const probe = await ctx.fs.openDir(parts, 'probe', 'spec.target');
  await probe?.close();
  return absolute ? hostPath(real, parts) : target;
}
