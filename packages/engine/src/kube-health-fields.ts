/** Reading a live Kubernetes object for health: tolerant field access, conditions, generations. */
import type { Health, HealthStatus, Manifest } from '@trueup/api';
import { isPlainObject } from './compare.ts';

/** A live object as the API server returned it, with the parts health reads pulled out. */
export interface KubeObject {
  kind: string;
  name: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  /** `metadata.generation`; undefined for kinds the API server does not count. */
  generation: number | undefined;
}

/** One entry of `status.conditions`, loosely typed: controllers fill in what they have. */
export interface KubeCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number | undefined;
}

export type KubeHealthCheck = (obj: KubeObject) => Health;

/** `status` comes with the manifest; `fallbackStatus` serves providers that report it apart. */
export function kubeObjectOf(manifest: Manifest, fallbackStatus?: Record<string, unknown>): KubeObject {
  const metadata: Record<string, unknown> = isPlainObject(manifest.metadata) ? manifest.metadata : {};
  return {
    kind: manifest.kind,
    name: str(metadata.name),
    metadata,
    spec: record(manifest.spec),
    status: isPlainObject(manifest.status) ? manifest.status : record(fallbackStatus),
    generation: typeof metadata.generation === 'number' ? metadata.generation : undefined,
  };
}

export function record(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

export function int(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

export function conditionsOf(source: unknown): KubeCondition[] {
  return list(source).map((c) => ({
    type: str(c.type),
    status: str(c.status, 'Unknown'),
    reason: str(c.reason),
    message: str(c.message),
    observedGeneration: typeof c.observedGeneration === 'number' ? c.observedGeneration : undefined,
  }));
}

export function findCondition(conditions: readonly KubeCondition[], type: string): KubeCondition | undefined {
  return conditions.find((c) => c.type === type);
}

/**
 * Progressing while the controller has not yet observed the current spec. `required`: the
 * controller always writes `status.observedGeneration`, so its absence means "not yet seen";
 * otherwise a missing field proves nothing and the check is skipped.
 */
export function staleGeneration(obj: KubeObject, options: { required: boolean; message?: string }): Health | undefined {
  if (obj.generation === undefined) return undefined;
  const observed = obj.status.observedGeneration;
  if (typeof observed !== 'number' && !options.required) return undefined;
  if (int(observed) >= obj.generation) return undefined;
  return progressing(options.message ?? `waiting for generation ${obj.generation} to be observed`);
}

export function healthy(message?: string): Health {
  return withMessage('Healthy', message);
}

export function progressing(message?: string): Health {
  return withMessage('Progressing', message);
}

export function degraded(message?: string): Health {
  return withMessage('Degraded', message);
}

export function suspended(message?: string): Health {
  return withMessage('Suspended', message);
}

export function withMessage(status: HealthStatus, message: string | undefined): Health {
  const tidy = tidyMessage(message);
  return tidy === '' ? { status } : { status, message: tidy };
}

/** `Reason: message`, either part optional. */
export function reasonMessage(reason: string, message: string): string {
  const parts = [reason, tidyMessage(message)].filter((part) => part !== '');
  return parts.join(': ');
}

const MAX_MESSAGE = 240;

/** One line, bounded: controllers write multi-line messages and `trueup status` shows one line. */
export function tidyMessage(message: string | undefined): string {
  const line = (message ?? '').replace(/\s+/g, ' ').trim();
  return line.length <= MAX_MESSAGE ? line : `${line.slice(0, MAX_MESSAGE - 1)}…`;
}

/** `1 replica`, `3 replicas`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
