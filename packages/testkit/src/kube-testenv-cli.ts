/**
 * `npm run testenv -- up DIR | down DIR | status DIR` (scripts/testenv.ts): a Kubernetes test
 * environment that outlives the command, for running tests against it repeatedly
 * (TRUEUP_KUBE_TESTENV=DIR npm test) or for poking at it with a kubeconfig.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startKubeTestEnv } from './kube-testenv-start.ts';
import { componentStatus, deadComponents, readState, stopKubeTestEnv } from './kube-testenv-state.ts';
import { KUBE_TESTENV_BUILD, kubeToolsBin } from './kube-tools.ts';

const USAGE = 'usage: npm run testenv -- up DIR | down DIR | status DIR';

/** Runs one command; resolves to the exit code. */
export async function kubeTestEnvCli(argv: readonly string[]): Promise<number> {
  const [command, dirArg, ...rest] = argv;
  if (dirArg === undefined || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const dir = resolve(dirArg);
  switch (command) {
    case 'up': return up(dir);
    case 'down': return down(dir);
    case 'status': return status(dir);
    default:
      console.error(USAGE);
      return 2;
  }
}

async function up(dir: string): Promise<number> {
  const previous = await readState(dir);
  if (previous?.phase === 'ready' && deadComponents(previous).length === 0) {
    console.log(`already running in ${dir}`);
    printUsage(dir, previous.kubeconfig);
    return 0;
  }
  if (previous !== undefined) await stopKubeTestEnv(dir); // leftovers of an earlier run

  const binDir = kubeToolsBin() ?? build();
  if (binDir === undefined) return 1;
  const started = Date.now();
  try {
    const state = await startKubeTestEnv(dir, { binDir, onProgress: (line) => console.error(`testenv: ${line}`) });
    console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${state.server ?? '?'}`);
    printUsage(dir, state.kubeconfig);
    return 0;
  } catch (error) {
    console.error(`testenv: failed to start: ${(error as Error).message}`);
    console.error(`testenv: logs in ${dir}/logs`);
    return 1;
  }
}

function printUsage(dir: string, kubeconfig: string): void {
  console.log(`kubeconfig: ${kubeconfig}`);
  console.log(`  export KUBECONFIG=${kubeconfig}`);
  console.log(`  TRUEUP_KUBE_TESTENV=${dir} npm test`);
  console.log(`  npm run testenv -- down ${dir}`);
}

/** Builds the tools (progress on stderr); the bin folder, or undefined on failure. */
function build(): string | undefined {
  console.error('testenv: the Kubernetes tools are not built yet; building them (a first build takes a while)');
  const result = spawnSync('bash', [KUBE_TESTENV_BUILD], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const binDir = result.stdout.trim().split('\n').pop();
  if (result.status !== 0 || binDir === undefined || binDir === '') {
    console.error(`testenv: ${KUBE_TESTENV_BUILD} failed (${result.status ?? result.signal ?? 'unknown'})`);
    return undefined;
  }
  return binDir;
}

async function down(dir: string): Promise<number> {
  const stopped = await stopKubeTestEnv(dir);
  console.log(stopped ? `stopped the test environment in ${dir}` : `nothing running in ${dir}`);
  return 0;
}

async function status(dir: string): Promise<number> {
  const state = await readState(dir);
  if (state === undefined) {
    console.log(`no test environment in ${dir}`);
    return 1;
  }
  const components = componentStatus(state);
  const up = state.phase === 'ready' && components.every((c) => c.running);
  console.log(`${up ? 'running' : state.phase === 'ready' ? 'degraded' : state.phase}: ${state.server ?? '(no server)'}`);
  console.log(`kubeconfig: ${state.kubeconfig}`);
  let total = 0;
  for (const c of components) {
    total += c.rssMiB ?? 0;
    console.log(`  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.running ? `running  ${String(c.rssMiB ?? '?').padStart(5)} MiB` : 'stopped'}`);
  }
  console.log(`  ${'total RSS'.padEnd(24)} ${''.padEnd(12)} ${String(total).padStart(14)} MiB`);
  if (state.error !== undefined) console.log(`error: ${state.error}`);
  return up ? 0 : 1;
}
