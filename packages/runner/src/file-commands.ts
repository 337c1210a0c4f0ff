/**
 * The files a step writes to talk to the runner: $GITHUB_OUTPUT and $GITHUB_ENV (`name=value`
 * lines, or `name<<DELIMITER` … `DELIMITER` for multi-line values) and $GITHUB_PATH (one
 * directory per line).
 */
import { RunnerErrors } from './errors.ts';

/** Limit on one file command file, as GitHub limits a job's outputs to 1 MB. */
export const MAX_FILE_COMMAND_BYTES = 1024 * 1024;

export function parseKeyValueFile(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    const equals = line.indexOf('=');
    if (heredoc !== null && (equals === -1 || equals > line.indexOf('<<'))) {
      const name = (heredoc[1] as string).trim();
      const delimiter = heredoc[2] as string;
      const value: string[] = [];
      i += 1;
      while (i < lines.length && lines[i] !== delimiter) {
        value.push(lines[i] as string);
        i += 1;
      }
      if (i >= lines.length) throw RunnerErrors.create('RUNNER_FILE_COMMAND_INVALID', `${what}: no line "${delimiter}" ends the value of "${name}"`);
      out[checkName(name, what)] = value.join('\n');
    } else if (equals > 0) {
      out[checkName(line.slice(0, equals).trim(), what)] = line.slice(equals + 1);
    } else {
      throw RunnerErrors.create('RUNNER_FILE_COMMAND_INVALID', `${what}: line ${i + 1} is neither name=value nor name<<DELIMITER`);
    }
  }
  return out;
}

function checkName(name: string, what: string): string {
  if (name === '' || /\s/.test(name)) throw RunnerErrors.create('RUNNER_FILE_COMMAND_INVALID', `${what}: invalid name "${name}"`);
  return name;
}

export function parsePathFile(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
}
