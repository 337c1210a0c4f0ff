/**
 * An Application's spec as the hub gets it: as loaded from Git, with user:password taken out of
 * any URL. Credentials are only ever named (files, secretRefs), never held in a spec, so none
 * travels (ADR 19).
 */
import type { Application } from '@trueup/api';
import { stripCredentials } from '@trueup/git';

/** Largest spec sent with a status (inline Helm values can be large): the status must still fit a frame. */
export const SPEC_MAX_BYTES = 256 * 1024;

export function specForHub(application: Application): Record<string, unknown> {
  const text = JSON.stringify(application.spec, (_key, value: unknown) => (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value) ? stripCredentials(value) : value));
  const bytes = Buffer.byteLength(text);
  if (bytes > SPEC_MAX_BYTES) return { note: `the spec (${bytes} bytes) is larger than the ${SPEC_MAX_BYTES} bytes sent to the hub: see the Application in Git` };
  return JSON.parse(text) as Record<string, unknown>;
}
