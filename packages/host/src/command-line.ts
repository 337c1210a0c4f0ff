/** How Commands, Services and exec health checks are started: argv or `/bin/sh -c`, a small clean environment. */
import type { HostContext } from './kind.ts';
import { HostErrors } from './errors.ts';
import { hostPath, pathParts } from './root-path.ts';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The program and its arguments: an argv array as is, a string through `/bin/sh -c`. */
export function argvOf(command: string | readonly string[]): [string, string[]] {
  if (typeof command === 'string') return ['/bin/sh', ['-c', command]];
  const [program = '', ...args] = command;
  return [program, args];
}

/**
 * The environment of a started process: PATH, LANG, TRUEUP_ROOT (the destination root) and the
 * spec's `env`. Nothing else of the agent's environment leaks in (it may hold credentials).
 */
export function processEnv(root: string, env: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? DEFAULT_PATH, TRUEUP_ROOT: root };
  if (process.env.LANG !== undefined) base.LANG = process.env.LANG;
  return { ...base, ...env };
}

/** The physical working directory under the root (the root itself by default); it must exist. */
export async function workingDir(ctx: HostContext, dir: string | undefined, field = 'spec.workingDir'): Promise<string> {
  const real = await ctx.fs.realRoot();
  if (dir === undefined) return real;
  const handle = await ctx.fs.openDir(pathParts(dir, field), 'open', field);
  if (handle === undefined) throw HostErrors.create('HOST_PATH_INVALID', `working directory ${dir} does not exist`, { field });
  await handle.close();
  return hostPath(real, handle.parts);
}

/** One readable line for a command in messages. */
export function describeCommand(command: string | readonly string[]): string {
  return typeof command === 'string' ? command : command.join(' ');
}
