/** The shape of one CLI command: its flags, its help, and what it does. */
import type { ParseArgsConfig } from 'node:util';
import { defaultStateDir } from './state-dir.ts';

export interface CommandContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Resolves with the exit code. */
  run(context: CommandContext): Promise<number>;
}

export const stateDirOption = { 'state-dir': { type: 'string' } } as const;
export const outputOption = { output: { type: 'string', short: 'o' } } as const;

export function outputFormat(values: CommandContext['values']): 'table' | 'json' {
  const output = values.output;
  if (output === undefined || output === 'table' || output === 'wide') return 'table';
  if (output === 'json') return 'json';
  throw new Error(`unknown output format "${String(output)}": use -o json`);
}

export function stateDirOf(values: CommandContext['values']): string {
  const dir = values['state-dir'];
  return typeof dir === 'string' ? dir : defaultStateDir();
}
