/**
 * An Application's spec as the hub gets it: as loaded from Git, with user:password taken out of
 * any URL. Credentials are only ever named (files, secretRefs), never held in a spec, so none
 * travels (ADR 19).
 */
import type { Application } from '@trueup/api';
import { stripCredentials } from '@trueup/git';

export function specForHub(application: Application): Record<string, unknown> {
  return JSON.parse(JSON.stringify(application.spec, (_key, value: unknown) => (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value) ? stripCredentials(value) : value))) as Record<string, unknown>;
}
