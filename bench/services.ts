/** Loopback ports for benchmark services, waiting for them, and stopping them by pid file. */
import { readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** `count` distinct free ports on 127.0.0.1 (bound to port 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Waits until every port accepts (or, with `open: false`, refuses) connections. */
export async function waitForPorts(ports: readonly number[], open: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(ports.map(portOpen));
    if (states.every((s) => s === open)) return;
    if (Date.now() > deadline) throw new Error(`ports ${ports.join(', ')} still ${open ? 'closed' : 'open'} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM (then SIGKILL after 5 s) to the pid in each file that exists; removes the files. */
export async function killByPidFiles(files: readonly string[]): Promise<void> {
  await Promise.all(files.map(async (file) => {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    await rm(file, { force: true });
    if (!Number.isInteger(pid) || pid <= 1) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (await alive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        return;
      }
      await sleep(20);
    }
  }));
}
