/**
 * Runs a whole command and reports its wall time and the CPU time (user + sys) and peak RSS of it
 * and every descendant it waited for, from getrusage(RUSAGE_CHILDREN) in a small Python wrapper
 * (µs resolution; the wrapper's own start-up is not counted).
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';

const WRAPPER = `
import json, resource, subprocess, sys, time
result, log, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(log, 'ab') as out:
    start = time.monotonic()
    code = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(result, 'w') as f:
    json.dump({'code': code, 'wall': wall, 'user': usage.ru_utime, 'sys': usage.ru_stime, 'maxrssKiB': usage.ru_maxrss}, f)
`;

export interface MeasuredRun {
  code: number;
  wallMs: number;
  cpuMs: number;
  /** Peak RSS of the largest single process, MiB. */
  maxRssMiB: number;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Output of the command is appended here. */
  log: string;
}

export async function measuredRun(argv: readonly string[], options: RunOptions): Promise<MeasuredRun> {
  const resultFile = `${options.log}.result.json`;
  await rm(resultFile, { force: true });
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', WRAPPER, resultFile, options.log, ...argv], { cwd: options.cwd, env: options.env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode ?? -1));
  });
  if (code !== 0) throw new Error(`measuring ${argv.join(' ')} failed (wrapper exit ${code}); see ${options.log}`);
  const r = JSON.parse(await readFile(resultFile, 'utf8')) as { code: number; wall: number; user: number; sys: number; maxrssKiB: number };
  return { code: r.code, wallMs: r.wall * 1000, cpuMs: (r.user + r.sys) * 1000, maxRssMiB: r.maxrssKiB / 1024 };
}
