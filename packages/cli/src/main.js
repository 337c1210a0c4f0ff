#!/usr/bin/env node
/**
 * Entry point. Checks the Node.js version before anything else, so this file uses only what
 * every Node.js since 12 has: no static imports of newer APIs, no newer syntax. On an older
 * Node.js (the system's, when `node_modules/.bin/trueup` is run directly) it runs itself with
 * the pinned Node.js of the installation (the `node` package in a `node_modules` above this
 * file) when there is one, else says in one line what to do and exits 1.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NEEDED_MAJOR = 24;

const major = Number(process.versions.node.split('.')[0]);
if (major >= NEEDED_MAJOR) {
  await import('./start.js');
} else {
  const pinned = findPinnedNode(dirname(fileURLToPath(import.meta.url)));
  if (pinned === undefined) {
    process.stderr.write(`trueup needs Node.js ${NEEDED_MAJOR} or newer, but ${process.execPath} is ${process.version}: run it as \`npx trueup\` in the project that installed it, or install Node.js ${NEEDED_MAJOR}\n`);
    process.exit(1);
  }
  const child = spawn(pinned, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`trueup: cannot start the pinned Node.js ${pinned}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code === null ? 1 : code);
  });
}

/** The `node` package's binary in the nearest `node_modules` above `from`, when it is new enough. */
function findPinnedNode(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'node_modules', 'node');
    const bin = join(pkg, 'bin', 'node');
    if (existsSync(bin)) {
      try {
        const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
        if (Number(String(version).split('.')[0]) >= NEEDED_MAJOR) return bin;
      } catch {
        // not the node package we know: keep looking
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
