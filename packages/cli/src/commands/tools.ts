/**
 * `trueup tools [list|install [TOOL…]]`: the renderers Trueup runs (kustomize, helm, jsonnet),
 * their pinned versions and where each is found; `install` builds the pinned versions from their
 * Go modules into the folder Trueup owns (where the agent looks with no PATH change), or, without
 * Go, prints the exact commands that would.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { findTool, installedBinDir, RENDERERS, TOOL_NAMES, toolsDir, type Renderer, type ToolName } from '@trueup/render';
import { outputFormat, outputOption, type Command } from '../command.ts';
import { formatTable, printJson } from '../output.ts';

const VERSION_TIMEOUT_MS = 10_000;

export const toolsCommand: Command = {
  name: 'tools',
  usage: 'trueup tools [list [-o json] | install [--force] [kustomize|helm|jsonnet…]]',
  summary: 'List the renderers (pinned versions, where found); install builds them from Go modules into Trueup\'s folder.',
  options: { ...outputOption, force: { type: 'boolean', default: false } },
  async run({ values, positionals }) {
    const [action = 'list', ...names] = positionals;
    switch (action) {
      case 'list':
        return list(outputFormat(values));
      case 'install':
        return install(toolsFrom(names), values.force === true);
      default:
        throw new Error(`unknown tools action "${action}": use list or install`);
    }
  },
};

function toolsFrom(names: readonly string[]): ToolName[] {
  for (const name of names) {
    if (!(TOOL_NAMES as readonly string[]).includes(name)) throw new Error(`unknown tool "${name}": the renderers are ${TOOL_NAMES.join(', ')}`);
  }
  return names.length === 0 ? [...TOOL_NAMES] : names as ToolName[];
}

interface Listed {
  tool: ToolName;
  pinned: string;
  /** The version the binary reports; undefined when it is not found. */
  found: string | undefined;
  source: string;
  path: string | undefined;
}

async function list(format: 'table' | 'json'): Promise<number> {
  const rows = await Promise.all(TOOL_NAMES.map(describe));
  if (format === 'json') printJson({ toolsDir: toolsDir(), tools: rows });
  else {
    process.stdout.write(formatTable(['TOOL', 'PINNED', 'FOUND', 'SOURCE', 'PATH'], rows.map((r) => [r.tool, r.pinned, r.found ?? '-', r.source, r.path ?? '-'])));
    if (rows.some((r) => r.path === undefined)) process.stdout.write(`\nMissing renderers: run \`trueup tools install\` (builds them into ${toolsDir()}).\n`);
  }
  return 0;
}

async function describe(tool: ToolName): Promise<Listed> {
  const renderer = RENDERERS[tool];
  const found = findTool(tool, undefined);
  const path = found.source === 'path' ? onPath(found.bin) : existsSync(found.bin) ? found.bin : undefined;
  const source = { option: 'option', env: `$${renderer.env}`, installed: 'trueup tools', path: 'PATH' }[found.source];
  if (path === undefined) return { tool, pinned: renderer.version, found: undefined, source: found.source === 'path' ? 'not found' : `${source} (missing)`, path };
  return { tool, pinned: renderer.version, found: await reportedVersion(path, renderer), source, path };
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The first version-like word the binary prints (`v5.8.2`, `v3.22.0+g…`, `v0.22.0`). */
function reportedVersion(bin: string, renderer: Renderer): Promise<string> {
  return new Promise((resolve) => {
    execFile(bin, [...renderer.versionArgs], { timeout: VERSION_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) => {
      const version = /v?\d+\.\d+\.\d+[^\s"]*/.exec(stdout)?.[0];
      resolve(version === undefined ? (error === null ? 'unknown' : 'does not run') : version.startsWith('v') ? version : `v${version}`);
    });
  });
}

function goInstallArgs(renderer: Renderer): string[] {
  return ['install', '-trimpath', '-ldflags', `-s -w${renderer.ldflags === '' ? '' : ` ${renderer.ldflags}`}`, `${renderer.module}@${renderer.version}`];
}

function shellQuote(arg: string): string {
  return /^[\w@./:=-]+$/.test(arg) ? arg : `"${arg}"`;
}

async function install(tools: readonly ToolName[], force: boolean): Promise<number> {
  const go = onPath('go');
  if (go === undefined) {
    const commands = tools.map((tool) => `  GOBIN=${installedBinDir(tool)} CGO_ENABLED=0 go ${goInstallArgs(RENDERERS[tool]).map(shellQuote).join(' ')}`);
    process.stderr.write([
      'Go was not found on PATH, so the pinned renderers cannot be built here. Install Go and run `trueup tools install` again, or run these where Go is and copy the binaries to the same paths:',
      ...commands,
      `or point ${tools.map((tool) => RENDERERS[tool].env).join(', ')} at binaries of those versions.`,
      '',
    ].join('\n'));
    return 1;
  }
  for (const tool of tools) {
    const renderer = RENDERERS[tool];
    const dir = installedBinDir(tool);
    if (!force && existsSync(join(dir, tool))) {
      process.stdout.write(`${tool} ${renderer.version}: already installed in ${dir}\n`);
      continue;
    }
    process.stdout.write(`${tool} ${renderer.version}: building ${renderer.module} with ${go}…\n`);
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    const code = await run(go, goInstallArgs(renderer), { ...process.env, GOBIN: partial, CGO_ENABLED: '0', GOFLAGS: '' });
    if (code !== 0) {
      await rm(partial, { recursive: true, force: true });
      process.stderr.write(`${tool} ${renderer.version}: go install failed (exit ${code}); nothing was installed\n`);
      return 1;
    }
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    process.stdout.write(`${tool} ${renderer.version}: installed ${join(dir, tool)}\n`);
  }
  return 0;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}
