/**
 * The bounds of the agents' links a hub may be started with: the send buffer a slow reader may
 * fill before it is cut (close code 4429), and the heartbeat period (an agent silent three
 * periods is cut with 4408). Read from the command line, checked once when the hub starts.
 */
import { LINK_HEARTBEAT_MS } from '@trueup/api';
import { MAX_BUFFERED_BYTES, MIN_HEARTBEAT_MS } from '@trueup/link';
import { HubErrors } from './errors.ts';

export const MIN_LINK_BUFFER_BYTES = 64 * 1024;
export const MAX_LINK_BUFFER_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_LINK_BUFFER_BYTES = MAX_BUFFERED_BYTES;
export const MIN_LINK_HEARTBEAT_MS = MIN_HEARTBEAT_MS;
export const MAX_LINK_HEARTBEAT_MS = LINK_HEARTBEAT_MS;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** `512KiB`, `8MiB`, `1GiB` (also `K`, `M`, `G`, or plain bytes) as bytes; undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d{1,13})\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined) return undefined;
  return Number(match[1]) * unit;
}

/** The link's send buffer from `--link-buffer SIZE`: a size between 64 KiB and 1 GiB. */
export function parseLinkBuffer(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw HubErrors.create('HUB_OPTION_INVALID', `--link-buffer ${text}: expected a size such as 512KiB, 8MiB or 1GiB`, { field: 'link-buffer' });
  return checkLinkBuffer(bytes, `--link-buffer ${text}`);
}

export function checkLinkBuffer(bytes: number, what = `linkBufferBytes ${bytes}`): number {
  if (!Number.isInteger(bytes) || bytes < MIN_LINK_BUFFER_BYTES || bytes > MAX_LINK_BUFFER_BYTES) {
    throw HubErrors.create('HUB_OPTION_INVALID', `${what}: the link buffer must be between 64KiB and 1GiB`, { field: 'link-buffer' });
  }
  return bytes;
}

export function checkLinkHeartbeat(ms: number, what = `linkHeartbeatMs ${ms}`): number {
  if (!Number.isInteger(ms) || ms < MIN_LINK_HEARTBEAT_MS || ms > MAX_LINK_HEARTBEAT_MS) {
    throw HubErrors.create('HUB_OPTION_INVALID', `${what}: the link heartbeat must be between 250ms and ${MAX_LINK_HEARTBEAT_MS / 1000}s`, { field: 'link-heartbeat' });
  }
  return ms;
}
