/**
 * One Git repository for both tools: 1,000 files and 5 services, as Trueup host manifests
 * (`trueup/`) and as an equivalent Ansible playbook (`ansible/playbook.yml`), sharing `files/`.
 * Each run gets a fresh root (and state or checkout) under `dir`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ansiblePlaybook } from './ansible-playbook.ts';
import { hostManifests, managedFiles, type BenchService, type ManagedFile } from './host-manifests.ts';
import { createBenchRepo, fileContent, writeAppFile, type BenchRepo } from './repo-fixture.ts';
import { freePorts, killByPidFiles, waitForPorts } from './services.ts';

export const SIDE_BY_SIDE_FILES = 1000;
export const SIDE_BY_SIDE_SERVICES = 5;
const DATA_DIR = '/srv/data';

export interface Host {
  label: string;
  root: string;
  /** Trueup's state dir, or ansible-pull's checkout dir. */
  stateDir: string;
  appFile: string;
  /** A Node.js compile cache folder of this host's own, empty at first (see trueupEnv). */
  compileCache: string;
}

export interface SideBySideRepo {
  repo: BenchRepo;
  services: BenchService[];
  files: ManagedFile[];
  /** A fresh root with its Application file (unused by ansible-pull) and state folder; the service ports must be free. */
  newHost(label: string): Promise<Host>;
  /** Throws unless every file holds its Git content and every service port accepts connections. */
  verify(host: Host): Promise<void>;
  /** Stops the services of a host by their pid files and waits until their ports are closed. */
  stopServices(host: Host): Promise<void>;
  /** The pids the services of a host wrote, in service order ('' when missing). */
  servicePids(host: Host): Promise<string[]>;
  /** Stops the services of every host made so far (after a failure, and at the end). */
  stopAll(): Promise<void>;
}

export async function createSideBySideRepo(dir: string): Promise<SideBySideRepo> {
  const ports = await freePorts(SIDE_BY_SIDE_SERVICES);
  const services = ports.map((port, i) => ({ name: `svc-${i}`, port, dir: `/srv/svc-${i}` }));
  const files = managedFiles(SIDE_BY_SIDE_FILES, DATA_DIR, '../files');
  const directories = ['/srv', DATA_DIR, ...services.map((s) => s.dir)];
  const repoFiles: Record<string, string> = { 'ansible/playbook.yml': ansiblePlaybook({ directories, dataDir: DATA_DIR, services }) };
  for (const [path, yaml] of Object.entries(hostManifests({ directories, files, services }))) repoFiles[`trueup/${path}`] = yaml;
  files.forEach((file, i) => (repoFiles[`files/${file.name}.txt`] = fileContent(i, 0)));
  const repo = await createBenchRepo(join(dir, 'repo'), repoFiles);
  const hosts: Host[] = [];
  const stopServices = async (host: Host): Promise<void> => {
    await killByPidFiles(services.map((s) => join(host.root, s.dir, 'service.pid')));
    await waitForPorts(ports, false);
  };
  return {
    repo, services, files,
    async newHost(label) {
      // No other host's service may hold the ports, or verify() would count it.
      await waitForPorts(ports, false);
      const base = join(dir, 'hosts', `${String(hosts.length + 1).padStart(2, '0')}-${label}`);
      await mkdir(base, { recursive: true });
      const root = join(base, 'root');
      const appFile = await writeAppFile(join(base, 'app.yaml'), { name: 'fleet', repoURL: repo.repoURL, path: 'trueup', root });
      const host = { label, root, stateDir: join(base, 'state'), appFile, compileCache: join(base, 'compile-cache') };
      hosts.push(host);
      return host;
    },
    async verify(host) {
      for (const [i, file] of files.entries()) {
        const got = await readFile(join(host.root, file.path), 'utf8').catch(() => undefined);
        if (got !== fileContent(i, 0)) throw new Error(`${host.label}: ${file.path} does not hold its Git content`);
      }
      await waitForPorts(ports, true);
    },
    stopServices,
    servicePids: (host) => Promise.all(services.map((s) => readFile(join(host.root, s.dir, 'service.pid'), 'utf8').then((pid) => pid.trim(), () => ''))),
    async stopAll() {
      await killByPidFiles(hosts.flatMap((host) => services.map((s) => join(host.root, s.dir, 'service.pid'))));
      await waitForPorts(ports, false);
    },
  };
}
