// Runs a workflow of the repository in argv[2] with the executor, as `trueup run` does (for tests).
import { localRun } from '@trueup/runner';

const isolation = process.argv.includes('--no-isolation') ? { kind: 'none', reason: 'asked by the test' } as const : undefined;
const outcome = await localRun({ repoDir: process.argv[2] ?? '.', event: 'push', inputs: {}, ...(isolation === undefined ? {} : { isolation }) }, {
  onJobEvent: (_key, event) => { if (event.type === 'log') process.stdout.write(event.text); },
  onJobSkipped: () => undefined,
  onNote: (text) => process.stdout.write(`${text}\n`),
});
process.exitCode = outcome.result.conclusion === 'success' ? 0 : 1;
