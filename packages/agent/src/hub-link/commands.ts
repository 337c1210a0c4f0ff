/**
 * Commands from the hub, run against applications this agent already runs. The hub names an
 * application and a verb; what is applied still comes only from the application's own Git.
 */
import type { ApplicationStatus, CommandResult, LinkCommand } from '@trueup/api';
import type { PassMode } from '../app-runtime.ts';

/** How long a hub's sync waits for a Progressing application to settle before answering. */
export const SYNC_WAIT_HEALTHY_MS = 30_000;

export interface CommandTarget {
  /** Starts a pass of the named application under its own sync policy; undefined when the agent does not run it. */
  refresh(name: string): Promise<ApplicationStatus> | undefined;
  /** One pass that applies what Git says (`apply`) or only compares (`detect`), then waits while Progressing. */
  sync(name: string, mode: PassMode, waitHealthyMs: number): Promise<ApplicationStatus> | undefined;
}

export async function runCommand(command: LinkCommand, target: CommandTarget): Promise<CommandResult> {
  switch (command.verb) {
    case 'refresh':
    case 'sync': {
      const pass = command.verb === 'refresh' ? target.refresh(command.application) : target.sync(command.application, command.dryRun === true ? 'detect' : 'apply', SYNC_WAIT_HEALTHY_MS);
      if (pass === undefined) return { ok: false, code: 'AGENT_APPLICATION_UNKNOWN', message: `this agent runs no application "${command.application}"` };
      const status = await pass;
      const { error } = status;
      return {
        ok: error === undefined,
        ...(error === undefined ? {} : { code: error.code }),
        message: error !== undefined ? error.message : `${command.verb === 'refresh' ? 'refreshed' : command.dryRun === true ? 'compared (dry run)' : 'synced'} at ${status.revision.slice(0, 12)}: ${status.sync}, ${status.health.status}`,
        sync: status.sync,
        health: status.health.status,
        revision: status.revision,
      };
    }
    case 'pause':
    case 'resume':
      return { ok: false, code: 'AGENT_COMMAND_UNSUPPORTED', message: `${command.verb} of self-heal is not supported by this agent yet` };
  }
}
