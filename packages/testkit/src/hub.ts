/** A real hub for tests: HTTPS on 127.0.0.1 with its own CA, SQLite in a temp dir or a PostgreSQL URL. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '@trueup/agent';
import { HubClient, startHub, type HubOptions, type RunningHub } from '@trueup/hub';
import type { AgentFixture } from './app-fixture.ts';
import { eventually } from './eventually.ts';

export interface TestHub {
  hub: RunningHub;
  dataDir: string;
  adminToken: string;
  /** A client with the admin token, trusting only the hub's CA. */
  client: HubClient;
  /** Stops the hub, keeping its data. */
  down(): Promise<void>;
  /** Starts the stopped hub again on the same data and port. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestHub(options: { database?: string; log?: (message: string) => void; oidc?: HubOptions['oidc']; hub?: Partial<HubOptions> } = {}): Promise<TestHub> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trueup-hub-'));
  const start = (listen: string): Promise<RunningHub> => startHub({ ...options.hub, dataDir, listen, log: options.log ?? (() => undefined), ...(options.database === undefined ? {} : { database: options.database }), ...(options.oidc === undefined ? {} : { oidc: options.oidc }) });
  let hub = await start('127.0.0.1:0');
  let running = true;
  const adminToken = (await readFile(hub.info.adminTokenFile, 'utf8')).trim();
  const testHub: TestHub = {
    hub,
    dataDir,
    adminToken,
    client: new HubClient({ url: hub.url, token: adminToken, ca: hub.tls.ca }),
    async down() {
      if (!running) return;
      running = false;
      await hub.stop();
    },
    async up() {
      hub = await start(new URL(hub.url).host);
      running = true;
      testHub.hub = hub;
    },
    async stop() {
      await testHub.down();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return testHub;
}

/** A join token for `environment`, written to `dir/join-token` (mode 0600): the file an agent joins with. */
export async function writeJoinToken(client: HubClient, dir: string, environment: string): Promise<string> {
  const { token } = await client.post<{ token: string }>('/api/v1/join-tokens', { name: environment });
  const file = join(dir, 'join-token');
  await writeFile(file, token, { mode: 0o600 });
  return file;
}

/** The CLI's flags that reach this hub as its administrator: `--hub`, `--ca-file`, `--token-file`. */
export function adminCliArgs(testHub: TestHub): string[] {
  const { info } = testHub.hub;
  return ['--hub', info.url, '--ca-file', info.caCertFile, '--token-file', info.adminTokenFile];
}

/**
 * An agent running `fixture`'s application, joined to the hub as `environment`; resolves once
 * the hub lists its application. The caller stops it.
 */
export async function joinedAgent(testHub: TestHub, fixture: Pick<AgentFixture, 'dir' | 'stateDir' | 'appFile'>, environment: string): Promise<Agent> {
  const joinTokenFile = await writeJoinToken(testHub.client, fixture.dir, environment);
  const agent = await startAgent({ stateDir: fixture.stateDir, paths: [fixture.appFile], hub: { joinTokenFile } });
  try {
    await eventually(`the agent of ${environment} to report its application`, async () => ((await testHub.client.get<{ total: number }>(`/api/v1/applications?environment=${encodeURIComponent(environment)}`)).total > 0 ? true : undefined), 20_000);
  } catch (error) {
    await agent.stop();
    throw error;
  }
  return agent;
}
