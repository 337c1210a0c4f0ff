/** `trueup history APP`: past syncs and drift events. */
import { displayKey } from '@trueup/api';
import { outputFormat, outputOption, stateDirOf, stateDirOption, type Command } from '../command.ts';
import { formatTable, printJson, shortSha } from '../output.ts';
import { openStateForReading } from '../state-dir.ts';
import { hubClientFor } from '../hub-target.ts';
import { hubHistory, hubHistoryJsonLines } from './hub-actions.ts';

export const historyCommand: Command = {
  name: 'history',
  usage: 'trueup history APP [--state-dir D] [-o json] [--limit N]\n       trueup history [ENV[/APP]] --hub URL [-o json|jsonl] [--limit N] [--since 24h|TIME] [--kind K]',
  summary: 'Show past syncs (revision, time, result, changes) and drift events.',
  options: { ...stateDirOption, ...outputOption, limit: { type: 'string', default: '20' }, since: { type: 'string' }, kind: { type: 'string' }, hub: { type: 'string' }, 'ca-file': { type: 'string' }, 'token-file': { type: 'string' } },
  async run({ values, positionals }) {
    const hub = await hubClientFor(values, positionals[0]);
    if (hub !== undefined) {
      const filters = { since: typeof values.since === 'string' ? values.since : undefined, kind: typeof values.kind === 'string' ? values.kind : undefined };
      // The whole ledger (or what the filters keep) as JSON lines, oldest first: for export.
      if (values.output === 'jsonl') return hubHistoryJsonLines(hub, positionals[0], filters);
      return hubHistory(hub, positionals[0], { limit: Number(values.limit), json: outputFormat(values) === 'json', ...filters });
    }
    const [name] = positionals;
    if (name === undefined) throw new Error('give the application name: trueup history APP');
    const stateDir = stateDirOf(values);
    const store = openStateForReading(stateDir);
    if (store === undefined) throw new Error(`no state in ${stateDir}: no agent or sync has run with this --state-dir`);
    const limit = Number(values.limit);
    const entries = store.history(name, limit);
    const drift = store.driftEvents(name, limit);
    store.close();
    if (outputFormat(values) === 'json') {
      printJson({ application: name, history: entries, drift });
      return 0;
    }
    process.stdout.write(formatTable(['ID', 'FINISHED', 'REVISION', 'TRIGGER', 'RESULT', 'CHANGES', 'MESSAGE'], entries.map((e) => [
      String(e.id), e.finishedAt, shortSha(e.revision), e.trigger, e.result,
      e.changes.length === 0 ? '-' : e.changes.slice(0, 3).map((c) => `${c.action} ${displayKey(c.key)}`).join(', ') + (e.changes.length > 3 ? ` +${e.changes.length - 3}` : ''),
      e.message,
    ])));
    if (drift.length > 0) {
      process.stdout.write(`\nDrift:\n${formatTable(['DETECTED', 'OBJECT', 'SOURCE', 'FIELDS', 'CHANGED BY', 'HEALED'], drift.map((d) => [
        d.detectedAt, displayKey(d.key), d.source, d.fields.join(', '), d.changedBy ?? '-', d.healedAt ?? '-',
      ]))}`);
    }
    return 0;
  },
};
