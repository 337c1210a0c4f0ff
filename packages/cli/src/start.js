/**
 * The CLI proper, started by main.js once the Node.js version is known to be new enough. In plain JavaScript so that the TypeScript stripper loads only on a compile-cache
 * miss, never for the entry itself. Node's compile cache keeps the type-stripped, compiled
 * modules in `packages/cli/.cache/compile` (warmed by `npm install`, kept across reboots): starts
 * are faster and the agent stays ~30 MiB smaller. The process re-executes itself (same pid) with
 * runtime flags that keep the resident agent small, the same for every command, since V8 only
 * reuses code cached under the flags it runs with (docs/benchmarks.md has the measurements):
 * - a small young generation and fewer malloc arenas: an agent's garbage is short-lived and small,
 *   and resident memory matters more than a few more scavenges;
 * - no optimizing compilers: code runs in V8's interpreter and baseline compiler. Maglev's
 *   concurrent jobs held most of the malloc heap at the first pass's peak, which glibc then
 *   keeps, and Turbofan alone pages in several MiB of the node binary. An agent's work is system
 *   calls more than hot loops: a pass costs some more CPU, a whole `trueup sync` about the same;
 * - `--optimize-for-size`: a lower heap growing factor, so a long-running agent's old generation
 *   stays near its live size instead of growing several times over between full collections.
 */
import { enableCompileCache, flushCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

const RUNTIME_FLAGS = ['--max-semi-space-size=1', '--no-maglev', '--no-turbofan', '--optimize-for-size'];
const RUNTIME_ENV = { MALLOC_ARENA_MAX: '2' };
const COMPILE_CACHE = fileURLToPath(new URL('../.cache/compile', import.meta.url));

if (!RUNTIME_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const argv = [process.execPath, ...process.execArgv, ...RUNTIME_FLAGS, ...process.argv.slice(1)];
  process.execve(process.execPath, argv, { ...RUNTIME_ENV, ...process.env });
}
enableCompileCache(process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE);
if (process.argv[2] === '--warm-compile-cache') {
  // Run by `npm install`: compile every module any command loads, once, ahead of the first start.
  const [{ COMMANDS }] = await Promise.all([import('./cli-commands.ts'), import('./cli.ts')]);
  await Promise.all(COMMANDS.map((command) => command.load()));
  flushCompileCache();
} else {
  const { runCli } = await import('./cli.ts');
  await runCli(process.argv.slice(2));
}
