/** The agent's log: one JSON object per line, or a human line on a TTY. */
import { describeStatusError, displayKey } from '@trueup/api';
import type { AgentEvent } from '@trueup/agent';
import { paint, shortSha } from './output.ts';

export function logEvent(event: AgentEvent, human = process.stderr.isTTY === true): void {
  const line = human ? humanLine(event) : JSON.stringify(jsonLine(event));
  if (line !== undefined) process.stderr.write(`${line}\n`);
}

export function jsonLine(event: AgentEvent): Record<string, unknown> {
  const base = { time: new Date().toISOString(), level: event.type === 'error' ? 'error' : 'info', application: event.application, revision: event.revision, pass: event.pass, event: event.type };
  switch (event.type) {
    case 'pass-finished': {
      const { status } = event;
      return { ...base, sync: status.sync, health: status.health.status, changed: event.changed, durationMs: event.durationMs, ...(status.error === undefined ? {} : { error: status.error }) };
    }
    case 'health-changed':
      return { ...base, health: event.status.health.status, message: event.status.health.message };
    case 'drift-detected':
      return { ...base, object: displayKey(event.key), source: event.source, fields: event.fields, ...(event.changedBy === undefined ? {} : { changedBy: event.changedBy }) };
    case 'drift-healed':
      return { ...base, object: displayKey(event.key), durationMs: event.durationMs };
    case 'heal-deferred':
      return { ...base, level: 'warn', object: displayKey(event.key), delayMs: event.delayMs };
    case 'pass-started':
      return { ...base, trigger: event.trigger };
    case 'error':
      return { ...base, message: event.message };
  }
}

export function humanLine(event: AgentEvent): string | undefined {
  const time = paint(new Date().toISOString().slice(11, 23), 'dim');
  const app = event.application;
  switch (event.type) {
    case 'pass-started':
      return undefined;
    case 'pass-finished': {
      const { status } = event;
      if (status.error !== undefined) return `${time} ${app}: ${paint('error', 'red')} ${describeStatusError(status.error)} [${status.error.code}]`;
      const what = event.changed === 0 ? 'no change' : `${event.changed} change(s)`;
      return `${time} ${app}: ${shortSha(status.revision)} ${status.sync}/${status.health.status}, ${what} in ${event.durationMs} ms`;
    }
    case 'health-changed':
      return `${time} ${app}: ${event.status.sync}/${event.status.health.status}${event.status.health.message === undefined ? '' : ` (${event.status.health.message})`}`;
    case 'drift-detected':
      return `${time} ${app}: ${paint('drift', 'yellow')} ${displayKey(event.key)} (${event.fields.join(', ')}) via ${event.source}${event.changedBy === undefined ? '' : `, changed by ${event.changedBy}`}`;
    case 'drift-healed':
      return `${time} ${app}: ${paint('healed', 'green')} ${displayKey(event.key)} in ${event.durationMs} ms`;
    case 'heal-deferred':
      return `${time} ${app}: ${paint('fighting', 'red')} ${displayKey(event.key)} keeps changing; next heal in ${event.delayMs} ms`;
    case 'error':
      return `${time} ${app}: ${paint('error', 'red')} ${event.message}`;
  }
}
