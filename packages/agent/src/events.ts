/** What the agent tells its listeners (the CLI's live output, the demo, logs). */
import type { ApplicationStatus, DriftSignal, ObjectKey, PassTrigger } from '@trueup/api';

export type AgentEventBody =
  | { type: 'pass-started'; application: string; trigger: PassTrigger }
  | { type: 'pass-finished'; application: string; status: ApplicationStatus; changed: number; durationMs: number }
  | { type: 'health-changed'; application: string; status: ApplicationStatus }
  | { type: 'drift-detected'; application: string; key: ObjectKey; source: DriftSignal['source']; fields: string[]; changedBy?: string }
  | { type: 'drift-healed'; application: string; key: ObjectKey; durationMs: number }
  | { type: 'heal-deferred'; application: string; key: ObjectKey; delayMs: number }
  | { type: 'error'; application: string; message: string };

/** Every event names the revision last fetched and the number of the pass it belongs to or follows. */
export type AgentEvent = AgentEventBody & { revision: string; pass: number };

export type AgentListener = (event: AgentEvent) => void;
