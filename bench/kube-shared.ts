/**
 * What the Kubernetes benchmarks share within one `npm run bench`: one small test environment for
 * the heal and commit benchmarks, and the fleet the scale benchmark leaves converged for the no-op
 * benchmark (which converges one itself when run alone). bench/run.ts stops everything at the end.
 */
import { join } from 'node:path';
import type { BenchContext } from './context.ts';
import { startBenchKube, type BenchKube } from './kube-env.ts';
import type { KubeFleet } from './kube-fleet.ts';

export class KubeShared {
  readonly #ctx: BenchContext;
  #small: Promise<BenchKube> | undefined;
  #fleet: KubeFleet | undefined;

  constructor(ctx: BenchContext) {
    this.#ctx = ctx;
  }

  /** The environment of the heal and commit benchmarks, started on first use. */
  small(): Promise<BenchKube> {
    this.#small ??= startBenchKube(this.#ctx, join(this.#ctx.dir, 'kube-env-small'));
    return this.#small;
  }

  /** Hands over a converged fleet (stopping the one held before). */
  async keepFleet(fleet: KubeFleet): Promise<void> {
    if (this.#fleet !== undefined && this.#fleet !== fleet) await this.#fleet.stop();
    this.#fleet = fleet;
  }

  /** Takes the converged fleet, if one is held; the caller stops it. */
  takeFleet(): KubeFleet | undefined {
    const fleet = this.#fleet;
    this.#fleet = undefined;
    return fleet;
  }

  async stop(): Promise<void> {
    await this.#fleet?.stop();
    this.#fleet = undefined;
    const small = this.#small;
    this.#small = undefined;
    if (small !== undefined) await (await small.catch(() => undefined))?.stop();
  }
}
