/**
 * Commands from the hub, run against applications this agent already runs. The hub names an
 * application and a verb; what is applied still comes only from the application's own Git.
 */
import type { ApplicationStatus, CommandResult, LinkCommand, PlannedChange } from '@trueup/api';
import type { PassMode, PassOptions } from '../app-runtime.ts';

/** How long a hub's sync waits for a Progressing application to settle before answering. */
export const SYNC_WAIT_HEALTHY_MS = 30_000;

export interface SyncOutcome {
  status: ApplicationStatus;
  plan: PlannedChange[];
  omitted: number;
}

export interface CommandTarget {
  /** Starts a pass of the named application under its own sync policy; undefined when the agent does not run it. */
  refresh(name: string): Promise<ApplicationStatus> | undefined;
  /** One pass that applies what Git says (`apply`) or only compares (`detect`), then waits while Progressing. */
  sync(name: string, mode: PassMode, waitHealthyMs: number, options?: PassOptions): Promise<SyncOutcome> | undefined;
  /** Pauses self-heal of the application or one object of it; undefined when the agent does not run it. */
  pause(name: string, object: string | undefined, by: string): Promise<ApplicationStatus | { unknownObject: string }> | undefined;
  /** Resumes self-heal (heals at once); undefined when the agent does not run it. */
  resume(name: string, object: string | undefined): Promise<{ status: ApplicationStatus; resumed: number }> | undefined;
}

const unknownApplication = (name: string): CommandResult => ({ ok: false, code: 'AGENT_APPLICATION_UNKNOWN', message: `this agent runs no application "${name}"` });

function outcome(status: ApplicationStatus, message: string): CommandResult {
  const { error } = status;
  return {
    ok: error === undefined,
    ...(error === undefined ? {} : { code: error.code }),
    message: error !== undefined ? error.message : message,
    sync: status.sync,
    health: status.health.status,
    revision: status.revision,
  };
}

export async function runCommand(command: LinkCommand, target: CommandTarget): Promise<CommandResult> {
  const { application } = command;
  switch (command.verb) {
    case 'refresh': {
      const pass = target.refresh(application);
      if (pass === undefined) return unknownApplication(application);
      const status = await pass;
      return outcome(status, `refreshed at ${status.revision.slice(0, 12)}: ${status.sync}, ${status.health.status}`);
    }
    case 'sync': {
      const dryRun = command.dryRun === true;
      const pass = target.sync(application, dryRun ? 'detect' : 'apply', dryRun ? 0 : SYNC_WAIT_HEALTHY_MS, command.prune === undefined ? {} : { prune: command.prune });
      if (pass === undefined) return unknownApplication(application);
      const { status, plan, omitted } = await pass;
      const changes = plan.length + omitted;
      const result = outcome(status, `${dryRun ? `compared (dry run, ${changes} change${changes === 1 ? '' : 's'} planned)` : 'synced'} at ${status.revision.slice(0, 12)}: ${status.sync}, ${status.health.status}`);
      return dryRun ? { ...result, plan, ...(omitted > 0 ? { planOmitted: omitted } : {}) } : result;
    }
    case 'pause': {
      const paused = target.pause(application, command.object, command.requestedBy ?? 'hub');
      if (paused === undefined) return unknownApplication(application);
      const status = await paused;
      if ('unknownObject' in status) return { ok: false, code: 'AGENT_OBJECT_UNKNOWN', message: `application "${application}" has no object "${status.unknownObject}"` };
      return { ok: true, message: `self-heal paused for ${command.object ?? 'the application'}: drift is reported, not healed`, sync: status.sync, health: status.health.status, revision: status.revision };
    }
    case 'resume': {
      const resumed = target.resume(application, command.object);
      if (resumed === undefined) return unknownApplication(application);
      const { status, resumed: count } = await resumed;
      const what = command.object ?? 'the application';
      return { ok: true, message: count === 0 ? `self-heal was not paused for ${what}` : `self-heal resumed for ${what}: ${status.sync}, ${status.health.status}`, sync: status.sync, health: status.health.status, revision: status.revision };
    }
  }
}
