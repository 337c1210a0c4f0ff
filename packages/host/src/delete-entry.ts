/** Removing the entry of a path-kind object (File, Directory, Symlink) on prune. */
import { promises as fsp, type Stats } from 'node:fs';
import type { ObjectKey } from '@trueup/api';
import { applyFailed, errnoCode } from './errors.ts';
import type { HostContext } from './kind.ts';
import { lstatOrUndefined } from './root-fs.ts';
import { hostPath, objectPathParts } from './root-path.ts';

/** Removes the entry at `path` when `removable` says it is ours to remove; a no-op when gone. */
export async function deleteEntry(ctx: HostContext, key: ObjectKey, path: string, removable: (stats: Stats) => boolean): Promise<void> {
  const { parent, name } = objectPathParts(path);
  const lexical = hostPath(ctx.fs.root, [...parent, name]);
  const dir = await ctx.fs.openDir(parent, 'open');
  if (dir !== undefined) {
    const end = ctx.own.begin(lexical);
    try {
      const stats = await lstatOrUndefined(dir.entry(name));
      if (stats !== undefined && removable(stats)) {
        await ctx.fs.verify(dir);
        if (stats.isDirectory()) await fsp.rmdir(dir.entry(name));
        else await fsp.unlink(dir.entry(name));
        await dir.handle.sync();
      }
      ctx.own.record(lexical, await lstatOrUndefined(dir.entry(name)));
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw applyFailed(`delete ${path}`, error);
    } finally {
      end();
      await dir.close();
    }
  }
  await ctx.paths.remove(key);
}
