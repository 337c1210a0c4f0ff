/** Permission modes as manifests write them ("0644") and as the kernel keeps them (0o644). */

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
