/**
 * Commands from the hub, run against applications this agent already runs. The hub names an
 * application and a verb; what is applied still comes only from the application's own Git.
 */
import type { ApplicationStatus, CommandResult, LinkCommand } from '@trueup/api';

export interface CommandTarget {
  /** Starts a pass of the named application; undefined when the agent does not run it. */
  refresh(name: string): Promise<ApplicationStatus> | undefined;
}

export async function runCommand(command: LinkCommand, target: CommandTarget): Promise<CommandResult> {
  switch (command.verb) {
    case 'refresh':
    case 'sync': {
      if (command.dryRun === true) return { ok: false, code: 'AGENT_COMMAND_UNSUPPORTED', message: 'a dry-run sync through the hub is not supported yet: run `trueup diff` on the agent' };
      const pass = target.refresh(command.application);
      if (pass === undefined) return { ok: false, code: 'AGENT_APPLICATION_UNKNOWN', message: `this agent runs no application "${command.application}"` };
      const status = await pass;
      const { error } = status;
      return {
        ok: error === undefined,
        ...(error === undefined ? {} : { code: error.code }),
        message: error !== undefined ? error.message : `${command.verb === 'sync' ? 'synced' : 'refreshed'} at ${status.revision.slice(0, 12)}: ${status.sync}, ${status.health.status}`,
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
