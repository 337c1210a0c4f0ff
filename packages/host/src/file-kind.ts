/** File: content, mode and owner of one regular file, replaced atomically. */
import { constants, promises as fsp } from 'node:fs';
import type { ApplyRequest, FileSpec, LiveObject, ObjectKey } from '@trueup/api';
import { clearWay, entryType, writeFileAtomic } from './atomic-write.ts';
import { applyFailed } from './errors.ts';
import { absent, liveManifest, pathEntryKind, specOf, type HostContext, type KindHandler } from './kind.ts';
import { DEFAULT_FILE_MODE, formatMode, parseMode, settleAttributes } from './modes.ts';
import { lstatOrUndefined } from './root-fs.ts';
import { hostPath, objectPathParts } from './root-path.ts';

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Live files larger than this (and than the desired content) are summarized, not read. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function fileKind(ctx: HostContext): KindHandler {
  return pathEntryKind<FileSpec>(ctx, { observeAt: observeFile, apply: applyFile, isEntry: (stats) => !stats.isDirectory() });
}

async function observeFile(ctx: HostContext, key: ObjectKey, path: string, spec: FileSpec | undefined): Promise<LiveObject> {
  const { parent, name } = objectPathParts(path);
  const dir = await ctx.fs.resolveDir(parent);
  if (dir === undefined) return absent(key);
  const desiredBytes = spec === undefined ? 0 : Buffer.byteLength(spec.content ?? '', spec.encoding === 'base64' ? 'base64' : 'utf8');
  const found = await ctx.fs.readEntry(dir, name, Math.max(MAX_READ_BYTES, desiredBytes));
  switch (found.type) {
    case 'missing':
      return absent(key);
    case 'symlink':
    case 'other':
      return { key, manifest: liveManifest(key, { path, type: found.type === 'symlink' ? 'symlink' : entryType(found.stats) }) };
    case 'file': {
      const live: Record<string, unknown> = { path, ...encodeContent(found.bytes, found.stats.size, spec) };
      live.mode = formatMode(found.stats.mode, spec?.mode);
      live.owner = await ctx.owners.display('passwd', found.stats.uid, spec?.owner);
      live.group = await ctx.owners.display('group', found.stats.gid, spec?.group);
      return { key, manifest: liveManifest(key, live) };
    }
  }
}

/**
 * The content in the desired encoding; without a desired one, UTF-8 when the bytes are valid UTF-8.
 * Content equal to the desired content is the desired string itself, so the agent holds it once.
 */
function encodeContent(bytes: Buffer | undefined, size: number, spec: FileSpec | undefined): Record<string, string> {
  const live = readContent(bytes, size, spec?.encoding);
  const desired = spec?.content;
  return desired !== undefined && live.content === desired ? { ...live, content: desired } : live;
}

function readContent(bytes: Buffer | undefined, size: number, encoding: FileSpec['encoding']): Record<string, string> {
  if (bytes === undefined) return { content: `<${size} bytes, too large to compare>` };
  if (encoding === 'base64') return { content: bytes.toString('base64'), encoding };
  if (encoding === 'utf8') return { content: bytes.toString('utf8'), encoding };
  try {
    return { content: utf8.decode(bytes) };
  } catch {
    return { content: bytes.toString('base64'), encoding: 'base64' };
  }
}

async function applyFile(ctx: HostContext, { desired }: ApplyRequest): Promise<void> {
  const spec = specOf<FileSpec>(desired);
  const { parent, name } = objectPathParts(spec.path);
  const bytes = Buffer.from(spec.content ?? '', spec.encoding === 'base64' ? 'base64' : 'utf8');
  const mode = parseMode(spec.mode, DEFAULT_FILE_MODE);
  const uid = spec.owner === undefined ? undefined : await ctx.owners.idOf('passwd', spec.owner, 'spec.owner');
  const gid = spec.group === undefined ? undefined : await ctx.owners.idOf('group', spec.group, 'spec.group');
  const lexical = hostPath(ctx.fs.root, [...parent, name]);
  const end = ctx.own.begin(lexical);
  const dir = await ctx.fs.ensureDir(parent).catch((error: unknown) => {
    end();
    throw applyFailed(`File ${spec.path}`, error);
  });
  try {
    await ctx.paths.set(desired.key, spec.path); // before the entry exists: a pass killed after the write still knows it
    const existing = await lstatOrUndefined(dir.entry(name));
    if (existing?.isFile() === true && (await sameContent(dir.entry(name), existing.size, bytes))) {
      await fixAttributes(dir.entry(name), mode, uid, gid);
    } else {
      if (existing?.isDirectory() === true) await clearWay(ctx.fs, dir, name, existing, false);
      const keepOwner = existing?.isFile() === true;
      await writeFileAtomic(ctx.fs, dir, name, bytes, {
        mode,
        uid: uid ?? (keepOwner ? existing.uid : undefined),
        gid: gid ?? (keepOwner ? existing.gid : undefined),
      });
    }
    ctx.own.record(lexical, await lstatOrUndefined(dir.entry(name)));
  } catch (error) {
    throw applyFailed(`File ${spec.path}`, error);
  } finally {
    end();
    await dir.close();
  }
}

async function sameContent(entry: string, size: number, bytes: Buffer): Promise<boolean> {
  if (size !== bytes.length) return false;
  const handle = await fsp.open(entry, READ_FLAGS);
  try {
    return bytes.equals(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/** Mode and owner of an existing file with the right content, changed in place. */
async function fixAttributes(entry: string, mode: number, uid: number | undefined, gid: number | undefined): Promise<void> {
  const handle = await fsp.open(entry, READ_FLAGS);
  try {
    await settleAttributes(handle, mode, uid, gid);
  } finally {
    await handle.close();
  }
}
