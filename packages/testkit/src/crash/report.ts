/** The crash suite's seed (fixed, or from `TRUEUP_CRASH_SEED`) and its table of counts. */
import type { CrashRunResult } from './run-trials.ts';

export const DEFAULT_CRASH_SEED = 20_261_205;

export function crashSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['TRUEUP_CRASH_SEED'];
  if (given === undefined || given === '') return DEFAULT_CRASH_SEED;
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`TRUEUP_CRASH_SEED must be a non-negative integer, got ${JSON.stringify(given)}`);
  return seed;
}

/** A markdown table: trials, where the kills landed, violations per invariant (trials with at least one; – where a scenario does not check it). */
export function crashTable(results: readonly CrashRunResult[]): string {
  const invariants = [...new Set(results.flatMap((r) => Object.keys(r.counts)))];
  const lines = [
    `| Scenario | Seed | Trials | Kills landed | ${invariants.join(' | ')} |`,
    `| --- | ---: | ---: | --- | ${invariants.map(() => '---:').join(' | ')} |`,
  ];
  for (const result of results) {
    const landed = Object.entries(result.landed).sort(([a], [b]) => a.localeCompare(b)).map(([where, count]) => `${where} ${count}`).join(', ');
    lines.push(`| ${result.scenario} | ${result.seed} | ${result.trials.length} | ${landed} | ${invariants.map((name) => String(result.counts[name] ?? '–')).join(' | ')} |`);
  }
  return lines.join('\n');
}
