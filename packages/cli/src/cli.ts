/** The `trueup` command: finds the command, parses its flags, runs it, and sets the exit code. */
import { parseArgs } from 'node:util';
import { isTrueupError } from '@trueup/api';
import type { Command } from './command.ts';

/** Each command's module loads only when it runs: `trueup agent` never loads the demo's Git server. */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'agent', summary: 'Run the pull agent for the Application files or folders given, until SIGTERM.', load: async () => (await import('./commands/agent.ts')).agentCommand },
  { name: 'diff', summary: 'Show what a sync would change, as a unified diff. Exit 0 in sync, 1 differs, 2 error.', load: async () => (await import('./commands/diff-sync.ts')).diffCommand },
  { name: 'sync', summary: 'Run one reconcile pass now and wait while it is Progressing. Exit 0 when synced and healthy.', load: async () => (await import('./commands/diff-sync.ts')).syncCommand },
  { name: 'status', summary: 'Show applications with revision, sync, health and conditions.', load: async () => (await import('./commands/status.ts')).statusCommand },
  { name: 'history', summary: 'Show past syncs (revision, time, result, changes) and drift events.', load: async () => (await import('./commands/history.ts')).historyCommand },
  { name: 'refresh', summary: 'Start a pass of the running agent now (e.g. from a Git post-receive hook).', load: async () => (await import('./commands/refresh.ts')).refreshCommand },
  { name: 'demo', summary: 'Run a Git server, an example config repository and an agent, on embedded defaults.', load: async () => (await import('./commands/demo.ts')).demoCommand },
];

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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trueup: ${isTrueupError(error) ? `${error.describe()} [${error.code}]` : error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
