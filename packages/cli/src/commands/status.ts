/** `trueup status`: applications with revision, sync, health and conditions. */
import { outputFormat, outputOption, stateDirOf, stateDirOption, type Command } from '../command.ts';
import { formatTable, printJson, shortSha } from '../output.ts';
import { openStateForReading } from '../state-dir.ts';
import { hubClient } from '../hub-target.ts';
import { hubStatus } from './hub-status.ts';
import { pausedNote } from './paused-note.ts';

export const statusCommand: Command = {
  name: 'status',
  usage: 'trueup status [--state-dir D | --hub URL] [-o json] [APP | ENV/APP]',
  summary: 'Show applications with revision, sync, health and conditions.',
  options: { ...stateDirOption, ...outputOption, hub: { type: 'string' }, 'ca-file': { type: 'string' }, 'token-file': { type: 'string' } },
  async run({ values, positionals }) {
    // Every environment through a hub: --hub URL, or TRUEUP_HUB unless a state dir is named.
    const hub = values['state-dir'] === undefined ? await hubClient(values) : undefined;
    if (hub !== undefined) return hubStatus(hub, positionals, outputFormat(values));
    const stateDir = stateDirOf(values);
    const store = openStateForReading(stateDir);
    const statuses = store?.statuses() ?? [];
    store?.close();
    const shown = positionals.length === 0 ? statuses : statuses.filter((s) => positionals.includes(s.name));
    if (outputFormat(values) === 'json') {
      printJson({ applications: shown });
      return 0;
    }
    if (shown.length === 0) {
      process.stdout.write(`No applications in ${stateDir}.\n`);
      return 0;
    }
    process.stdout.write(formatTable(['NAME', 'REVISION', 'SYNC', 'HEALTH', 'READY', 'MESSAGE'], shown.map((s) => {
      const ready = s.conditions.find((c) => c.type === 'Ready');
      const fighting = s.conditions.find((c) => c.type === 'Fighting');
      return [s.name, shortSha(s.revision), s.sync, s.health.status, ready?.status ?? 'Unknown', `${pausedNote(s.selfHeal)}${fighting?.message ?? ready?.message ?? ''}`];
    })));
    if (positionals.length > 0) {
      for (const s of shown) {
        process.stdout.write(`\n${formatTable(['KIND', 'NAME', 'SYNC', 'HEALTH', 'MESSAGE'], s.resources.map((r) => [r.kind, r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`, r.sync, r.health.status, r.health.message ?? '']))}`);
        for (const r of s.resources.filter((r) => r.diff !== undefined)) process.stdout.write(`\n${r.diff}`);
      }
    }
    return 0;
  },
};

