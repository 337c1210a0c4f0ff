/** What every benchmark gets from bench/run.ts. */

export interface BenchContext {
  /** A temporary folder for this benchmark's repositories, roots and state. */
  dir: string;
  /** Fewer trials, for a quick look; the numbers are then not the ones to publish. */
  quick: boolean;
  /** Progress lines go here (stderr), never into the table. */
  log(message: string): void;
}
