/** Permission modes as manifests write them ("0644") and as the kernel keeps them (0o644). */
import type { FileHandle } from 'node:fs/promises';

export const DEFAULT_FILE_MODE = 0o644;
export const DEFAULT_DIRECTORY_MODE = 0o755;
const PERMISSION_BITS = 0o7777;

export function parseMode(mode: string | undefined, fallback: number): number {
  if (mode === undefined || !/^[0-7]{3,4}$/.test(mode)) return fallback;
  return Number.parseInt(mode, 8);
}

/**
 * The live mode in the desired notation when both mean the same bits ("644" stays "644"),
 * else four octal digits.
 */
export function formatMode(live: number, desired: string | undefined): string {
  const bits = live & PERMISSION_BITS;
  if (desired !== undefined && parseMode(desired, -1) === bits) return desired;
  return bits.toString(8).padStart(4, '0');
}

export function permissionBits(mode: number): number {
  return mode & PERMISSION_BITS;
}

/** Sets owner, group and mode on an open entry, only where they differ; chown first, as it clears set-id bits. */
export async function settleAttributes(handle: FileHandle, mode: number, uid: number | undefined, gid: number | undefined): Promise<void> {
  const stats = await handle.stat();
  const chown = (uid !== undefined && stats.uid !== uid) || (gid !== undefined && stats.gid !== gid);
  if (chown) await handle.chown(uid ?? -1, gid ?? -1);
  if (chown || permissionBits(stats.mode) !== mode) await handle.chmod(mode);
}
