/**
 * An OCI registry on loopback for tests: Debian's `docker-registry` (the CNCF distribution
 * registry), with Basic auth (when asked) from an htpasswd file made by `htpasswd -B`, storage in a temporary
 * folder. Charts are pushed to it by the real `helm push`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import { componentMissing } from './git-repo.ts';
import type { TestChart } from './helm-repo.ts';

const run = promisify(execFile);
const REGISTRY = '/usr/bin/docker-registry';
const HTPASSWD = '/usr/bin/htpasswd';

export interface OciRegistry {
  /** `127.0.0.1:PORT`: what `oci://` addresses and `helm registry login` name. */
  host: string;
  /** Packages `chart` with helm and pushes it to `oci://HOST/<repository>`. */
  pushChart(chart: TestChart, repository: string): Promise<void>;
  close(): Promise<void>;
}

/** The registry, or undefined when the test was skipped for want of it (a failure under CI=true). */
export async function serveOciRegistry(t: TestContext, options: { helm: string; auth?: { username: string; password: string } }): Promise<OciRegistry | undefined> {
  for (const [bin, pkg] of [[REGISTRY, 'docker-registry'], [HTPASSWD, 'apache2-utils']] as const) {
    try {
      await run(bin, bin === REGISTRY ? ['--version'] : ['-h']).catch((error: { code?: unknown }) => {
        if (error.code === 'ENOENT') throw error;
      });
    } catch {
      componentMissing(t, `${bin} is not installed (apt-get install ${pkg}; scripts/provision-tests.sh does)`);
      return undefined;
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'trueup-oci-'));
  const { auth } = options;
  if (auth !== undefined) await writeFile(join(dir, 'htpasswd'), (await run(HTPASSWD, ['-nbB', auth.username, auth.password])).stdout);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: warn }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
    `http: { addr: "${host}", secret: trueup-test }`,
    ...(auth === undefined ? [] : [`auth: { htpasswd: { realm: trueup, path: ${join(dir, 'htpasswd')} } }`]),
    '',
  ].join('\n'));
  const child: ChildProcess = spawn(REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(host, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  const home = join(dir, 'helm');
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  let loggedIn = false;
  return {
    host,
    async pushChart(chart, repository) {
      const folder = join(dir, 'src', `${chart.name}-${chart.version}`, chart.name);
      const files = { 'Chart.yaml': `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n`, ...chart.files };
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(folder, name)), { recursive: true });
        await writeFile(join(folder, name), text);
      }
      const packaged = join(dir, 'packages');
      await run(options.helm, ['package', folder, '--destination', packaged], { env });
      if (!loggedIn && auth !== undefined) {
        await runWithInput(options.helm, ['registry', 'login', host, '--username', auth.username, '--password-stdin', '--plain-http'], env, auth.password);
        loggedIn = true;
      }
      await run(options.helm, ['push', join(packaged, `${chart.name}-${chart.version}.tgz`), `oci://${host}/${repository}`, '--plain-http'], { env });
    },
    close: stop,
  };
}

async function waitUntilServing(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`http://${host}/v2/`);
      if (response.status === 401 || response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function runWithInput(command: string, args: readonly string[], env: Record<string, string>, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}
