#!/usr/bin/env node
/**
 * Entry point, in plain JavaScript so that the TypeScript stripper loads only on a compile-cache
 * miss, never for the entry itself. Node's compile cache keeps the type-stripped, compiled
 * modules in `packages/cli/.cache/compile` (warmed by `npm install`, kept across reboots): starts
 * are faster and the agent stays ~30 MiB smaller. The process re-executes itself (same pid) with
 * a small V8 young generation and fewer malloc arenas — an agent's garbage is short-lived and
 * small, and resident memory matters more than a few more scavenges — and with the same flags
 * for every command, since V8 only reuses code cached under the flags it runs with.
 */
import { enableCompileCache, flushCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

const RUNTIME_FLAGS = ['--max-semi-space-size=1'];
const RUNTIME_ENV = { MALLOC_ARENA_MAX: '2' };
const COMPILE_CACHE = fileURLToPath(new URL('../.cache/compile', import.meta.url));

if (!RUNTIME_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const argv = [process.execPath, ...process.execArgv, ...RUNTIME_FLAGS, ...process.argv.slice(1)];
  process.execve(process.execPath, argv, { ...RUNTIME_ENV, ...process.env });
}
enableCompileCache(process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE);
if (process.argv[2] === '--warm-compile-cache') {
  // Run by `npm install`: compile every module any command loads, once, ahead of the first start.
  const { COMMANDS } = await import('./cli-commands.ts');
  await Promise.all(COMMANDS.map((command) => command.load()));
  flushCompileCache();
} else {
  await import('./cli.ts');
}
