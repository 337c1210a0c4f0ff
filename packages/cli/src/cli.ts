/** The `trueup` command: finds the command, parses its flags, runs it, and sets the exit code. */
import { parseArgs } from 'node:util';
import { isTrueupError } from '@trueup/api';
import { COMMANDS } from './cli-commands.ts';


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

/** Runs the command line and sets the exit code; errors are printed as `trueup: file:line: … [CODE]`. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    process.stderr.write(`trueup: ${isTrueupError(error) ? `${error.describe()} [${error.code}]` : error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    process.stderr.write(`trueup: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  return command.run({ values, positionals });
}
