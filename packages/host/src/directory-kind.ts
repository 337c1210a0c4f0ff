/** Directory: mode and owner of one directory. Deleted only when empty: unmanaged content stays. */
import { constants, promises as fsp } from 'node:fs';
import type { ApplyRequest, DirectorySpec, LiveObject, ObjectKey } from '@trueup/api';
import { clearWay } from './atomic-write.ts';
import { applyFailed, errnoCode } from './errors.ts';
import { observeEntry, pathEntryKind, specOf, type HostContext, type KindHandler } from './kind.ts';
import { DEFAULT_DIRECTORY_MODE, formatMode, parseMode, settleAttributes } from './modes.ts';
import { lstatOrUndefined } from './root-fs.ts';
import { hostPath, objectPathParts } from './root-path.ts';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

export function directoryKind(ctx: HostContext): KindHandler {
  return pathEntryKind<DirectorySpec>(ctx, { observeAt: observeDirectory, apply: applyDirectory, isEntry: (stats) => stats.isDirectory() });
}

async function observeDirectory(ctx: HostContext, key: ObjectKey, path: string, spec: DirectorySpec | undefined): Promise<LiveObject> {
  return observeEntry(ctx, key, path, (stats) => stats.isDirectory(), async (_entry, stats) => ({
    mode: formatMode(stats.mode, spec?.mode),
    owner: await ctx.owners.display('passwd', stats.uid, spec?.owner),
    group: await ctx.owners.display('group', stats.gid, spec?.group),
  }));
}

async function applyDirectory(ctx: HostContext, { desired }: ApplyRequest): Promise<void> {
  const spec = specOf<DirectorySpec>(desired);
  const { parent, name } = objectPathParts(spec.path);
  const mode = parseMode(spec.mode, DEFAULT_DIRECTORY_MODE);
  const uid = spec.owner === undefined ? undefined : await ctx.owners.idOf('passwd', spec.owner, 'spec.owner');
  const gid = spec.group === undefined ? undefined : await ctx.owners.idOf('group', spec.group, 'spec.group');
  const lexical = hostPath(ctx.fs.root, [...parent, name]);
  const end = ctx.own.begin(lexical);
  try {
    const dir = await ctx.fs.ensureDir(parent);
    try {
      await ctx.paths.set(desired.key, spec.path); // before the entry exists: a pass killed after the mkdir still knows it
      const existing = await lstatOrUndefined(dir.entry(name));
      if (existing !== undefined && !existing.isDirectory()) await clearWay(ctx.fs, dir, name, existing, true);
      if (existing?.isDirectory() !== true) {
        await ctx.fs.verify(dir);
        await fsp.mkdir(dir.entry(name), mode).catch((error: unknown) => {
          if (errnoCode(error) !== 'EEXIST') throw error;
        });
      }
      const handle = await fsp.open(dir.entry(name), DIR_FLAGS);
      try {
        await settleAttributes(handle, mode, uid, gid);
      } finally {
        await handle.close();
      }
      await dir.handle.sync();
      ctx.own.record(lexical, await lstatOrUndefined(dir.entry(name)));
    } finally {
      await dir.close();
    }
  } catch (error) {
    throw applyFailed(`Directory ${spec.path}`, error);
  } finally {
    end();
  }
}
