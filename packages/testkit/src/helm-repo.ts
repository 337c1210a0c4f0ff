/**
 * A Helm chart repository on loopback for tests: charts packaged by the real `helm`, an
 * `index.yaml` made by `helm repo index`, served over HTTP, with Basic auth when asked. Every
 * request is recorded, so a test can tell a pull from a cache hit.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestChart {
  name: string;
  version: string;
  /** Files of the chart folder; `Chart.yaml` is written when not given. */
  files: Record<string, string>;
}

export interface HelmRepo {
  /** `http://127.0.0.1:PORT`, where `index.yaml` and the packages are. */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveHelmRepo(charts: readonly TestChart[], options: { helm: string; auth?: { username: string; password: string } }): Promise<HelmRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-helm-repo-'));
  const repo = join(dir, 'repo');
  const home = join(dir, 'home');
  await mkdir(repo, { recursive: true });
  await mkdir(home, { recursive: true });
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  for (const chart of charts) {
    const folder = join(dir, 'src', `${chart.name}-${chart.version}`, chart.name);
    const files = { 'Chart.yaml': `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n`, ...chart.files };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(folder, name)), { recursive: true });
      await writeFile(join(folder, name), text);
    }
    await run(options.helm, ['package', folder, '--destination', repo], { env });
  }
  const requests: string[] = [];
  const expected = options.auth === undefined ? undefined : `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
    requests.push(`/${path}`);
    if (expected !== undefined && request.headers.authorization !== expected) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
      return;
    }
    if (path.startsWith('..')) {
      response.writeHead(404).end();
      return;
    }
    readFile(join(repo, path)).then((body) => response.writeHead(200).end(body), () => response.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await run(options.helm, ['repo', 'index', repo, '--url', url], { env });
  return {
    url,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
