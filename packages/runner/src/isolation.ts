/**
 * Job isolation with bubblewrap where the kernel allows it: the host's file system read-only,
 * the job's own directory writable, a private /tmp, /dev and /proc, and the sandbox killed
 * when the runner dies. Where bubblewrap is missing or user namespaces are off, steps run
 * without it and the job log says so.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';

export type Isolation = { kind: 'bubblewrap'; bwrap: string } | { kind: 'none'; reason: string };

let probed: Isolation | undefined;

/** Whether bubblewrap works here; probed once per process. */
export function probeIsolation(): Isolation {
  if (probed !== undefined) return probed;
  const bwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].find((path) => spawnSync(path, ['--version']).status === 0);
  if (bwrap === undefined) {
    probed = { kind: 'none', reason: 'bubblewrap is not installed (Debian package "bubblewrap")' };
    return probed;
  }
  const trial = spawnSync(bwrap, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-ipc', '--die-with-parent', 'true'], { encoding: 'utf8' });
  probed = trial.status === 0 ? { kind: 'bubblewrap', bwrap } : { kind: 'none', reason: `bubblewrap cannot run here: ${trial.stderr.trim() || `exit ${trial.status}`}` };
  return probed;
}

export function describeIsolation(isolation: Isolation): string {
  return isolation.kind === 'bubblewrap'
    ? 'bubblewrap: host file system read-only, job directory writable, private /tmp'
    : `none (${isolation.reason}); steps run as the runner's user without a sandbox`;
}

/** The command line that runs `argv` inside the sandbox, with `writable` directories bound. */
export function isolate(isolation: Isolation, argv: readonly string[], writable: readonly string[], cwd: string): string[] {
  if (isolation.kind === 'none') return [...argv];
  const binds = writable.flatMap((dir) => ['--bind', dir, dir]);
  return [
    isolation.bwrap,
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    ...runtimeBinds(),
    ...binds,
    '--unshare-ipc', '--unshare-uts',
    '--die-with-parent',
    '--chdir', cwd,
    '--',
    ...argv,
  ];
}

/**
 * The runner's own Node.js (which runs Node.js actions), bound read-only again when it lives under
 * /tmp: the private /tmp would hide it, as it hides a checkout of Trueup itself kept there.
 */
export function runtimeBinds(execPath = process.execPath): string[] {
  const prefixes = new Set([execPath, safeRealpath(execPath)].map((path) => dirname(dirname(path))));
  return [...prefixes].filter((prefix) => prefix === '/tmp' || prefix.startsWith('/tmp/')).flatMap((prefix) => ['--ro-bind', prefix, prefix]);
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
