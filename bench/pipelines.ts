/**
 * The executor's overhead: an empty `run: true` step (with bubblewrap and without), against
 * spawning the same bash from Node.js; and a 3-job `needs` chain run by `trueup run` (in-process
 * and as a whole CLI process) against the same three commands run by plain bash, one after
 * another, in the same run.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localRun, probeIsolation, type Isolation } from '@trueup/runner';
import type { BenchContext } from './context.ts';
import type { Row } from './table.ts';
import { trueupArgv, trueupEnv } from './tools.ts';

const SLEEP = 'sleep 0.1';

function repoWith(dir: string, workflow: string): string {
  mkdirSync(join(dir, '.trueup', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.trueup', 'workflows', 'bench.yml'), workflow);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.invalid' } });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return dir;
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), { cwd, env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function stepSamples(repo: string, isolation: Isolation, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    let last: number | undefined;
    const outcome = await localRun({ repoDir: repo, event: 'push', inputs: {}, isolation }, {
      onJobEvent: (_key, event) => {
        if (event.type === 'step-started' && last === undefined) last = performance.now();
        if (event.type !== 'step-finished') return;
        const now = performance.now();
        if (last !== undefined) samples.push(now - last);
        last = now;
      },
      onJobSkipped: () => undefined,
      onNote: () => undefined,
    });
    if (outcome.result.conclusion !== 'success') throw new Error('the empty-steps workflow failed');
  }
  return samples;
}

export async function benchPipelines(ctx: BenchContext): Promise<Row[]> {
  const steps = ctx.quick ? 20 : 100;
  const runs = ctx.quick ? 2 : 5;
  const emptyRepo = repoWith(join(ctx.dir, 'pipeline-empty'), `on: push\njobs:\n  empty:\n    runs-on: self-hosted\n    steps:\n${'      - run: "true"\n'.repeat(steps)}`);
  const bash: number[] = [];
  for (let i = 0; i < steps * runs; i++) bash.push(await run(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', 'true'], emptyRepo));
  ctx.log(`plain bash: ${bash.length} runs`);
  const isolation = probeIsolation();
  const rows: Row[] = [];
  const stepOn = `job of ${steps} \`run: true\` steps, ${runs} runs; time between consecutive step-finished events`;
  if (isolation.kind === 'bubblewrap') {
    const sandboxed = await stepSamples(emptyRepo, isolation, runs);
    ctx.log(`steps with bubblewrap: ${sandboxed.length}`);
    rows.push({ id: 'step-bwrap', measured: 'empty step, executor with bubblewrap', on: stepOn, unit: 'ms', samples: sandboxed, spread: 'p10–p90', showP99: true, targets: [{ kind: 'atMost', stat: 'median', value: 20 }], peer: 'step-bash' });
  }
  const plain = await stepSamples(emptyRepo, { kind: 'none', reason: 'benchmark' }, runs);
  ctx.log(`steps without isolation: ${plain.length}`);
  rows.push({ id: 'step-none', measured: 'empty step, executor without isolation', on: stepOn, unit: 'ms', samples: plain, spread: 'p10–p90', showP99: true, targets: [{ kind: 'atMost', stat: 'median', value: 20 }], peer: 'step-bash' });
  rows.push({ id: 'step-bash', measured: 'peer: `bash -c true` spawned from Node.js', on: 'same machine, same run', unit: 'ms', samples: bash, spread: 'p10–p90', peerNote: 'peer' });

  const chain = repoWith(join(ctx.dir, 'pipeline-needs'), `on: push
jobs:
  one:
    runs-on: self-hosted
    steps: [{ run: "${SLEEP}" }]
  two:
    needs: one
    runs-on: self-hosted
    steps: [{ run: "${SLEEP}" }]
  three:
    needs: two
    runs-on: self-hosted
    steps: [{ run: "${SLEEP}" }]
`);
  const chainRuns = ctx.quick ? 3 : 10;
  const inProcess: number[] = [];
  const cli: number[] = [];
  const peer: number[] = [];
  const overhead: number[] = [];
  for (let i = 0; i < chainRuns; i++) {
    const started = performance.now();
    const outcome = await localRun({ repoDir: chain, event: 'push', inputs: {} }, { onJobEvent: () => undefined, onJobSkipped: () => undefined, onNote: () => undefined });
    if (outcome.result.conclusion !== 'success') throw new Error('the 3-job workflow failed');
    inProcess.push(performance.now() - started);
    cli.push(await run(trueupArgv('run'), chain, trueupEnv()));
    const bashStarted = performance.now();
    for (let j = 0; j < 3; j++) await run(['bash', '-c', SLEEP], chain);
    peer.push(performance.now() - bashStarted);
    overhead.push((inProcess.at(-1) ?? 0) - (peer.at(-1) ?? 0));
    ctx.log(`3-job chain ${i + 1}/${chainRuns}: in-process ${inProcess.at(-1)?.toFixed(0)} ms, CLI ${cli.at(-1)?.toFixed(0)} ms, bash ${peer.at(-1)?.toFixed(0)} ms`);
  }
  const chainOn = `3 jobs chained by needs, one \`${SLEEP}\` step each, ${isolation.kind === 'bubblewrap' ? 'bubblewrap' : 'no isolation'}`;
  rows.push(
    { id: 'needs-inproc', measured: '3-job workflow, `localRun` in-process (stash, load, plan, 3 jobs)', on: chainOn, unit: 'ms', samples: inProcess, spread: 'min–max', peer: 'needs-bash' },
    { id: 'needs-overhead', measured: '3-job workflow: overhead beyond its steps (in-process − bash, paired)', on: chainOn, unit: 'ms', samples: overhead, spread: 'min–max', targets: [{ kind: 'atMost', stat: 'median', value: 2000 }], peerNote: '—' },
    { id: 'needs-cli', measured: '3-job workflow, whole `trueup run` process', on: chainOn, unit: 'ms', samples: cli, spread: 'min–max', peer: 'needs-bash', note: 'Includes starting Node.js and loading the CLI, the workflow parser and the runner.' },
    { id: 'needs-bash', measured: 'peer: the same three commands, plain bash one after another', on: 'same machine, same run', unit: 'ms', samples: peer, spread: 'min–max', peerNote: 'peer' },
  );
  return rows;
}
