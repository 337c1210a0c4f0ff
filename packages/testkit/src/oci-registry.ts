/**
 * An OCI registry on loopback for tests: Debian's `docker-registry` (the CNCF distribution
 * registry), with Basic auth (when asked) from an htpasswd file made by `htpasswd -B`, storage in a temporary
 * folder. Charts are pushed to it by the real `helm push`; small images through its HTTP API.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  /** Pushes a small image (a config and one layer) as `<repository>:<tag>` through the registry's HTTP API; returns its manifest digest. */
  pushImage(repository: string, tag: string): Promise<string>;
  close(): Promise<void>;
}

/** The registry, or undefined when the test was skipped for want of it (a failure under CI=true). */
export async function serveOciRegistry(t: TestContext, options: { helm?: string; auth?: { username: string; password: string } }): Promise<OciRegistry | undefined> {
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
      const helm = options.helm;
      if (helm === undefined) throw new Error('serveOciRegistry: give the helm binary to push charts');
      const folder = join(dir, 'src', `${chart.name}-${chart.version}`, chart.name);
      const files = { 'Chart.yaml': `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n`, ...chart.files };
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(folder, name)), { recursive: true });
        await writeFile(join(folder, name), text);
      }
      const packaged = join(dir, 'packages');
      await run(helm, ['package', folder, '--destination', packaged], { env });
      if (!loggedIn && auth !== undefined) {
        await runWithInput(helm, ['registry', 'login', host, '--username', auth.username, '--password-stdin', '--plain-http'], env, auth.password);
        loggedIn = true;
      }
      await run(helm, ['push', join(packaged, `${chart.name}-${chart.version}.tgz`), `oci://${host}/${repository}`, '--plain-http'], { env });
    },
    pushImage: (repository, tag) => pushImage(host, repository, tag, auth),
    close: stop,
  };
}

async function pushImage(host: string, repository: string, tag: string, auth: { username: string; password: string } | undefined): Promise<string> {
  const headers: Record<string, string> = auth === undefined ? {} : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  const base = `http://${host}/v2/${repository}`;
  const blob = async (content: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers });
    const location = started.headers.get('location');
    if (started.status !== 202 || location === null) throw new Error(`starting a blob upload to ${repository}: HTTP ${started.status}`);
    const url = new URL(location, `http://${host}`);
    url.searchParams.set('digest', digest);
    const put = await fetch(url, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: content });
    if (put.status !== 201) throw new Error(`uploading a blob to ${repository}: HTTP ${put.status} ${await put.text()}`);
    return { digest, size: content.length };
  };
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { tag } }, rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = await blob(Buffer.from(`layer of ${repository}:${tag}\n`));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  }));
  const put = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
  if (put.status !== 201) throw new Error(`pushing the manifest ${repository}:${tag}: HTTP ${put.status} ${await put.text()}`);
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
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
