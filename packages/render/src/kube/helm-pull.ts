/**
 * A chart from a Helm repository, at an exact version, written to a folder: `helm pull` in a
 * private Helm home (the user's repositories and registries are never used). With credentials,
 * the repository is added there first, the password given on stdin, never on a command line.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { RenderErrors } from '../errors.ts';
import { runTool, toolEnv, type ToolRun } from './run-tool.ts';
import { withTempDir } from './temp-dir.ts';

export interface ChartPull {
  /** The repository: http:// or https://, or an OCI registry oci://HOST/PATH; without credentials. */
  repoURL: string;
  chart: string;
  version: string;
  /** Where the chart's folder goes; written whole or not at all. */
  destination: string;
  credentials?: { username: string; password: string } | undefined;
  bin: string;
  signal?: AbortSignal | undefined;
}

const REPO_NAME = 'source';

export async function pullChart(pull: ChartPull): Promise<void> {
  const what = `chart ${pull.chart} ${pull.version} from ${pull.repoURL}`;
  await withTempDir('trueup-helm-pull-', async (home) => {
    const dirs = { HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
    await Promise.all(Object.values(dirs).map((dir) => mkdir(dir)));
    const env = toolEnv(home, dirs);
    const common = { tool: 'helm' as const, bin: pull.bin, env, cwd: home, renderPath: what, doing: 'fetching', signal: pull.signal, rewrites: [{ from: home, to: '<tmp>' }] };
    const out = path.join(home, 'out');
    if (pull.repoURL.startsWith('oci://')) {
      await pullOci(pull, common, out);
      await place(pull, path.join(out, pull.chart), what);
      return;
    }
    let chartRef = pull.chart;
    let from = ['--repo', pull.repoURL];
    if (pull.credentials !== undefined) {
      await runTool({ ...common, args: ['repo', 'add', REPO_NAME, pull.repoURL, '--username', pull.credentials.username, '--password-stdin'], input: pull.credentials.password });
      chartRef = `${REPO_NAME}/${pull.chart}`;
      from = [];
    }
    await runTool({ ...common, args: ['pull', chartRef, ...from, '--version', pull.version, '--untar', '--untardir', out] });
    await place(pull, path.join(out, pull.chart), what);
  });
}

type Common = Omit<ToolRun, 'args'>;

/**
 * `helm pull oci://HOST/PATH/CHART`, after `helm registry login` in the private Helm home when
 * there are credentials. A registry on loopback is spoken to over plain HTTP, as Docker treats
 * 127.0.0.0/8 registries; any other over HTTPS.
 */
async function pullOci(pull: ChartPull, common: Common, out: string): Promise<void> {
  const address = pull.repoURL.replace(/\/+$/, '');
  const host = new URL(address.replace(/^oci:/, 'http:')).host;
  const plain = isLoopback(new URL(address.replace(/^oci:/, 'http:')).hostname) ? ['--plain-http'] : [];
  if (pull.credentials !== undefined) {
    await runTool({ ...common, args: ['registry', 'login', host, '--username', pull.credentials.username, '--password-stdin', ...plain], input: pull.credentials.password });
  }
  await runTool({ ...common, args: ['pull', `${address}/${pull.chart}`, '--version', pull.version, '--untar', '--untardir', out, ...plain] });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

async function place(pull: ChartPull, pulled: string, what: string): Promise<void> {
  if (!existsSync(path.join(pulled, 'Chart.yaml'))) {
    throw RenderErrors.create('RENDER_TOOL_FAILED', `helm pull of ${what} gave no chart folder named ${pull.chart}`, { file: pull.chart });
  }
  await mkdir(path.dirname(pull.destination), { recursive: true });
  try {
    await rename(pulled, pull.destination);
  } catch (error) {
    if (!existsSync(pull.destination)) throw error; // another pull of the same chart finished first: as good
  }
}
