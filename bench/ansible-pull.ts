/**
 * Side by side with ansible-pull on one repository of 1,000 files and 5 services: first converge
 * (wall) and the no-op pass (CPU). The repository is shared with the RSS benchmark.
 */
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { benchFirstConverge } from './first-converge.ts';
import { benchNoopCpu } from './noop-cpu.ts';
import { createSideBySideRepo, type SideBySideRepo } from './side-by-side-repo.ts';
import type { Row } from './table.ts';

export async function sideBySideRepo(ctx: BenchContext): Promise<SideBySideRepo> {
  return createSideBySideRepo(join(ctx.dir, 'side-by-side'));
}

export async function benchAnsiblePull(ctx: BenchContext, sbs: SideBySideRepo, ansiblePull: string): Promise<Row[]> {
  const cold = await benchFirstConverge(ctx, sbs, ansiblePull);
  return [...cold.rows, ...await benchNoopCpu(ctx, sbs, ansiblePull, cold.ansibleHost)];
}
