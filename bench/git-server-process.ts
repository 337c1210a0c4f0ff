/**
 * `node bench/git-server-process.ts ROOT`: the test kit's Git smart-HTTP server (`git
 * http-backend`) in a process of its own, for benchmarks whose own process is busy (hundreds of
 * simulated agents): its answers do not wait for that process's event loop. Prints
 * `{"port":N}` once listening, then each request as one JSON line (method, url, status,
 * userAgent); stops on SIGTERM. `startGitServerProcess` runs it and reads those lines.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { GitRequest } from '@trueup/testkit';

export interface GitServerProcess {
  url(repoName: string): string;
  /** Every request the server answered, in order (read from its output as they come). */
  readonly log: readonly GitRequest[];
  close(): Promise<void>;
}

export async function startGitServerProcess(root: string): Promise<GitServerProcess> {
  const child = spawn(process.execPath, [import.meta.filename, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const log: GitRequest[] = [];
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the Git server process exited with ${String(code)} before listening`)));
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { port: number } | GitRequest;
      if ('port' in message) resolve(message.port);
      else log.push(message);
    });
  });
  return {
    url: (repoName) => `http://127.0.0.1:${port}/${repoName.replace(/^\/+/, '')}`,
    log,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const root = process.argv[2];
  if (root === undefined) throw new Error('usage: node bench/git-server-process.ts ROOT');
  const { startGitHttpServer } = await import('@trueup/testkit');
  const server = await startGitHttpServer({ root });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  let written = 0;
  const flush = (): void => {
    for (const request of server.log.slice(written)) process.stdout.write(`${JSON.stringify(request)}\n`);
    written = server.log.length;
  };
  const timer = setInterval(flush, 50);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    flush();
    void server.close().then(() => process.exit(0));
  });
}
