#!/usr/bin/env node
/** The `trueup` command. */
import { parseArgs } from 'node:util';
import { isTrueupError } from '@trueup/api';
import type { Command } from './command.ts';
import { agentCommand } from './commands/agent.ts';
import { demoCommand } from './commands/demo.ts';
import { diffCommand, syncCommand } from './commands/diff-sync.ts';
import { historyCommand } from './commands/history.ts';
import { refreshCommand } from './commands/refresh.ts';
import { statusCommand } from './commands/status.ts';

const COMMANDS: Command[] = [agentCommand, diffCommand, syncCommand, statusCommand, historyCommand, refreshCommand, demoCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'trueup — delivers software from Git to where it runs.',
    '',
    'Usage: trueup COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "trueup COMMAND --help" for its options.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`trueup: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  return command.run({ values, positionals });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trueup: ${isTrueupError(error) ? `${error.describe()} [${error.code}]` : error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
