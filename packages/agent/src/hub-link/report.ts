/** What the hub hears of the agent's events: status, sync results, drift and heals (pure). */
import { keyId, type LinkEvent, type PassTrigger } from '@trueup/api';
import type { AgentEvent } from '../events.ts';

/** The link events for one agent event; `trigger` is the trigger of the pass that finished. */
export function linkEventsOf(event: AgentEvent, trigger: PassTrigger | undefined): LinkEvent[] {
  switch (event.type) {
    case 'pass-finished': {
      const { status } = event;
      const result = status.error !== undefined ? 'Failed' : event.changed > 0 ? 'Succeeded' : 'NoChange';
      return [{
        kind: 'sync', application: event.application, revision: status.revision, trigger: trigger ?? 'interval', result, changed: event.changed, durationMs: event.durationMs,
        message: status.error === undefined ? '' : `${status.error.code}: ${status.error.message}`.slice(0, 2000),
      }];
    }
    case 'drift-detected':
      return [{ kind: 'drift', application: event.application, object: keyId(event.key), source: event.source, fields: event.fields.slice(0, 100), ...(event.changedBy === undefined ? {} : { changedBy: event.changedBy }) }];
    case 'drift-healed':
      return [{ kind: 'heal', application: event.application, object: keyId(event.key), durationMs: event.durationMs }];
    case 'pass-started':
    case 'health-changed':
    case 'heal-deferred':
    case 'error':
      return [];
  }
}
