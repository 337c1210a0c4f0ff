/**
 * `npm run bench [-- --quick] [-- --only heal,commit,ansible,rss,kube-heal,kube-commit,kube-scale,kube-noop,pipeline] [-- --keep]`: runs the
 * benchmarks, prints one markdown table and writes it (and the raw samples) to bench/out/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchAnsiblePull, sideBySideRepo } from './ansible-pull.ts';
import { benchCommitConverge } from './commit-converge.ts';
import type { BenchContext } from './context.ts';
import { benchHeal } from './heal.ts';
import { benchKubeCommit } from './kube-commit.ts';
import { benchKubeHeal } from './kube-heal.ts';
import { benchKubeNoop } from './kube-noop.ts';
import { benchKubeScale } from './kube-scale.ts';
import { KubeShared } from './kube-shared.ts';
import { describeMachine } from './machine.ts';
import { benchPipelines } from './pipelines.ts';
import { benchRss } from './rss.ts';
import type { SideBySideRepo } from './side-by-side-repo.ts';
import { renderTable, type Row } from './table.ts';
import { findAnsiblePull, gitState, REPO_ROOT, warmInstalledCompileCache } from './tools.ts';
import { kubeToolsBin } from '@trueup/testkit';

const BENCHES = ['heal', 'commit', 'ansible', 'rss', 'kube-heal', 'kube-commit', 'kube-scale', 'kube-noop', 'pipeline'] as const;
type BenchName = (typeof BENCHES)[number];

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, keep: { type: 'boolean', default: false } },
  strict: true,
});
const selected = (values.only?.split(',').map((s) => s.trim()) ?? [...BENCHES]) as BenchName[];
const unknown = selected.filter((name) => !BENCHES.includes(name));
if (unknown.length > 0) fatal(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);

const ansiblePull = findAnsiblePull();
if (selected.includes('ansible') && ansiblePull === undefined) {
  fatal('ansible-pull is not installed: the side-by-side benchmark needs it (Debian: apt-get install ansible), or skip it with --only heal,commit,rss');
}
if (selected.some((name) => name.startsWith('kube-')) && kubeToolsBin() === undefined) {
  fatal('the Kubernetes test tools are not built: the kube-* benchmarks need them (bash tools/kube-testenv/build.sh), or skip them with --only heal,commit,ansible,rss');
}
if (!existsSync('/usr/bin/python3')) fatal('/usr/bin/python3 is missing: it measures whole processes (getrusage) and runs the benchmark services');

const gitAtStart = gitState();
const machine = describeMachine();
const compileCache = warmInstalledCompileCache();
const dir = await mkdtemp(join(tmpdir(), 'trueup-bench-'));
const ctx: BenchContext = { dir, quick: values.quick, log: (message) => process.stderr.write(`[bench] ${message}\n`) };
const started = new Date();
const rows: Row[] = [];
const failures: string[] = [];
let sbs: SideBySideRepo | undefined;
const sharedRepo = async (): Promise<SideBySideRepo> => (sbs ??= await sideBySideRepo(ctx));
const kube = new KubeShared(ctx);

for (const name of selected) {
  ctx.log(`— ${name} —`);
  try {
    switch (name) {
      case 'heal':
        rows.push(...await benchHeal(ctx));
        break;
      case 'commit':
        rows.push(...await benchCommitConverge(ctx));
        break;
      case 'ansible':
        rows.push(...await benchAnsiblePull(ctx, await sharedRepo(), ansiblePull ?? ''));
        break;
      case 'rss':
        rows.push(...await benchRss(ctx, await sharedRepo()));
        break;
      case 'kube-heal':
        rows.push(...await benchKubeHeal(ctx, kube));
        break;
      case 'kube-commit':
        rows.push(...await benchKubeCommit(ctx, kube));
        break;
      case 'kube-scale':
        rows.push(...await benchKubeScale(ctx, kube));
        break;
      case 'kube-noop':
        rows.push(...await benchKubeNoop(ctx, kube));
        break;
      case 'pipeline':
        rows.push(...await benchPipelines(ctx));
        break;
    }
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    ctx.log(`${name} FAILED: ${failures.at(-1)}`);
  } finally {
    await sbs?.stopAll().catch((error: unknown) => ctx.log(`stopping services: ${String(error)}`));
  }
}

await kube.stop().catch((error: unknown) => ctx.log(`stopping the Kubernetes test environments: ${String(error)}`));
const gitAtEnd = gitState();
const { markdown, verdicts } = renderTable(rows);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const header = [
  `Command: \`${command}\`${values.quick ? ' (quick: reduced trials, not for publishing)' : ''}`,
  `Date: ${started.toISOString()} (took ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min)`,
  `Code: ${gitAtStart === gitAtEnd ? gitAtStart : `${gitAtStart} at the start, ${gitAtEnd} at the end (the code changed during the run)`}; CLI compile cache ${compileCache}`,
  `Machine: ${machine.join('; ')}`,
  '',
].join('\n');
const output = `${header}\n${markdown}${failures.length === 0 ? '' : `\nFailed benchmarks:\n\n${failures.map((f) => `- ${f.split('\n')[0] ?? ''}`).join('\n')}\n`}`;
process.stdout.write(output);

const outDir = join(REPO_ROOT, 'bench', 'out');
await mkdir(outDir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
await writeFile(join(outDir, `benchmarks-${stamp}.md`), output);
await writeFile(join(outDir, 'latest.md'), output);
await writeFile(join(outDir, `samples-${stamp}.json`), `${JSON.stringify(rows.map(({ id, unit, samples }) => ({ id, unit, samples })), null, 2)}\n`);
ctx.log(`written to ${join(outDir, `benchmarks-${stamp}.md`)}`);

const missed = verdicts.filter((v) => v.missed.length > 0);
for (const v of missed) ctx.log(`target MISSED: ${v.row.measured}: ${v.missed.join('; ')}`);
if (values.keep) ctx.log(`kept ${dir}`);
else await rm(dir, { recursive: true, force: true });
process.exitCode = failures.length > 0 ? 1 : 0;

function fatal(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}
