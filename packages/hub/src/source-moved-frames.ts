/**
 * The source-moved frames of one push on this replica's links (ADR 30), and the signal that
 * carries the push to the other replicas on the same PostgreSQL so each sends the frame on its
 * own links. The signal carries the moved ref itself (each replica reads who follows it), so it
 * must fit PostgreSQL's NOTIFY payload (under 8000 bytes); one that does not is not sent and
 * the hub falls back to commands.
 */
import { refFollows, repoKey, SourceMovedSchema, type SourceMoved } from '@trueup/api';
import type { HubStore } from '@trueup/store';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
export const NOTIFY_PAYLOAD_LIMIT = 8000;

export interface SourceMovedSignal {
  /** The replica that received the push (it has told its own links already). */
  origin: string;
  /** One per repository key of the push; all of the same ref. */
  sources: SourceMoved[];
  /** The poll's revision: environments whose applications all report it are left alone. */
  skipAt?: string;
}

export interface FrameLinks {
  acceptsSourceMoved(environment: string): boolean;
  sourceMoved(environments: Iterable<string>, source: SourceMoved): string[];
}

/**
 * Sends the frames to the environments linked here that follow one of the sources at their ref
 * and announced source-moved. `framed`: those environments; `told`: those whose link took the frame.
 */
export async function tellLinkedFollowers(store: Pick<HubStore, 'applications'>, links: FrameLinks, sources: readonly SourceMoved[], skipAt?: string): Promise<{ framed: Set<string>; told: Set<string> }> {
  const keys = [...new Set(sources.map((source) => repoKey(source.repoURL)))];
  const following = (await Promise.all(keys.map((key) => store.applications.followingEnvironments(key, skipAt)))).flat()
    .filter((row) => sources.some((source) => refFollows(row.ref, source.ref, source.defaultBranch)));
  const framed = new Set(following.map((row) => row.environment).filter((environment) => links.acceptsSourceMoved(environment)));
  const told = new Set<string>();
  for (const source of sources) for (const environment of links.sourceMoved(framed, source)) told.add(environment);
  return { framed, told };
}

/** The signal's payload, or undefined when it would not fit in a NOTIFY. */
export function encodeSourceMovedSignal(signal: SourceMovedSignal): string | undefined {
  const payload = JSON.stringify(signal);
  return Buffer.byteLength(payload, 'utf8') < NOTIFY_PAYLOAD_LIMIT ? payload : undefined;
}

/** A received payload, or undefined when it is not one (a `*` after the listener reconnected, or garbage). */
export function decodeSourceMovedSignal(payload: string): SourceMovedSignal | undefined {
  if (payload === '*') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const { origin, sources, skipAt } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof origin !== 'string' || !Array.isArray(sources) || sources.length === 0 || (skipAt !== undefined && typeof skipAt !== 'string')) return undefined;
  const parsed = sources.map((source) => SourceMovedSchema.safeParse(source));
  if (!parsed.every((result) => result.success)) return undefined;
  return { origin, sources: parsed.map((result) => result.data), ...(skipAt === undefined ? {} : { skipAt }) };
}
