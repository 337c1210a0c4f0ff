/**
 * The host scenario: every commit adds a generation's Directory of Files and a Symlink, drops the
 * previous generation's, changes the content of shared Files and the target of a shared Symlink,
 * and moves one File (same name, new `spec.path`). Every file's content names its object and
 * generation, so any file on disk can be told whole or torn.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { keyId, type ObjectKey } from '@trueup/api';
import { hostManifest, type AgentFixture } from '../app-fixture.ts';
import type { ConvergedState, CrashScenario, KillPhase, PhaseWindow, Violation } from './scenario.ts';

export interface HostFilesOptions {
  /** Files per generation folder; default 20. */
  filesPerGeneration?: number;
  /** Files whose content every commit changes; default 8. */
  sharedFiles?: number;
}

type Declared = { kind: 'File'; content: string } | { kind: 'Directory' } | { kind: 'Symlink'; target: string };

const BASE = '/srv/crash';
const TEMP = /\.tmp$/;

export function hostFilesScenario(fixture: AgentFixture, options: HostFilesOptions = {}): CrashScenario {
  const perGeneration = options.filesPerGeneration ?? 20;
  const shared = options.sharedFiles ?? 8;
  const onDisk = (path: string): string => join(fixture.root, path);
  /** Temp files already reported: a trial reports only those its own kill left. */
  const seenTemp = new Set<string>();

  /** Every object of a generation: its name, its path, what it must be. */
  const objects = (g: number): Array<{ name: string; path: string; declared: Declared }> => {
    const list: Array<{ name: string; path: string; declared: Declared }> = [
      { name: 'base', path: BASE, declared: { kind: 'Directory' } },
      { name: `gen-${g}`, path: `${BASE}/g${g}`, declared: { kind: 'Directory' } },
      { name: `link-${g}`, path: `${BASE}/link-g${g}`, declared: { kind: 'Symlink', target: `${BASE}/shared-0` } },
      { name: 'current', path: `${BASE}/current`, declared: { kind: 'Symlink', target: `g${g}/f0` } },
      { name: 'moving', path: `${BASE}/moving-${g % 3}`, declared: { kind: 'File', content: contentOf('moving', g) } },
    ];
    for (let i = 0; i < perGeneration; i++) list.push({ name: `g${g}-f${i}`, path: `${BASE}/g${g}/f${i}`, declared: { kind: 'File', content: contentOf(`g${g}-f${i}`, g) } });
    for (let i = 0; i < shared; i++) list.push({ name: `shared-${i}`, path: `${BASE}/shared-${i}`, declared: { kind: 'File', content: contentOf(`shared-${i}`, g) } });
    return list;
  };

  const manifest = (g: number): string => objects(g).map(({ name, path, declared }) => {
    switch (declared.kind) {
      case 'File':
        return hostManifest('File', name, { path, content: declared.content, mode: '0644' });
      case 'Directory':
        return hostManifest('Directory', name, { path });
      case 'Symlink':
        return hostManifest('Symlink', name, { path, target: declared.target });
    }
  }).join('');

  const exists = (path: string): Promise<boolean> => lstat(onDisk(path)).then(() => true, () => false);
  const countPresent = async (g: number): Promise<number> => {
    const names = await readdir(onDisk(`${BASE}/g${g}`)).catch(() => [] as string[]);
    return names.filter((name) => !TEMP.test(name)).length;
  };

  return {
    name: 'host files, directories and symlinks',
    destination: `{ host: { root: "${fixture.root}" } }`,
    phases: ['apply', 'prune'],
    fetchDelayMs: 150,
    commit: (g) => ({ 'app/objects.yaml': manifest(g) }),

    watchPhase(phase, from, to, stop): PhaseWindow {
      // apply: the new generation's folder appears; prune: the old one's first file goes.
      const began = phase === 'apply'
        ? until(() => exists(`${BASE}/g${to}`), stop)
        : until(async () => (await countPresent(from)) < perGeneration, stop);
      return { began, maxDelayMs: phase === 'apply' ? 250 : 60 };
    },

    async landedIn(from, to) {
      const created = await countPresent(to);
      const kept = await countPresent(from);
      const oldDir = await exists(`${BASE}/g${from}`);
      if (created === 0 && kept === perGeneration) return (await exists(`${BASE}/g${to}`)) ? 'apply' : 'before-apply';
      if (kept === perGeneration) return created === perGeneration ? 'apply-done' : 'apply';
      return oldDir ? 'prune' : 'after-prune';
    },

    async checkAfterKill(upTo) {
      return tornFiles(onDisk(BASE), BASE, upTo);
    },

    async checkConverged(state: ConvergedState) {
      const want = new Map(objects(state.generation).map((o) => [o.path, o]));
      const violations: Violation[] = await tornFiles(onDisk(BASE), BASE, state.generation);
      for (const temp of [...(await findAll(onDisk(BASE), TEMP)), ...(await findAll(join(state.stateDir, 'apps'), TEMP))]) {
        if (!seenTemp.has(temp)) violations.push({ invariant: 'temp-file-left', detail: temp.replace(fixture.dir, '<fixture>') });
        seenTemp.add(temp);
      }
      for (const path of await entriesUnder(onDisk(BASE), BASE)) {
        if (TEMP.test(path) || want.has(path)) continue;
        const inside = await entriesUnder(onDisk(path), path);
        // A pruned directory stays when something is left in it: blame the crash temp files when they are all that is.
        if (inside.length > 0 && inside.every((entry) => TEMP.test(entry))) {
          if (!seenTemp.has(path)) violations.push({ invariant: 'temp-file-left', detail: `${path} is kept (not empty) by ${inside.length} crash temp file(s)` });
          seenTemp.add(path);
        } else violations.push({ invariant: 'undeclared-object', detail: path });
      }
      for (const { name, path, declared } of want.values()) {
        const problem = await mismatch(onDisk(path), declared);
        if (problem !== undefined) violations.push({ invariant: 'wrong-content', detail: `${declared.kind}/${name} at ${path}: ${problem}` });
      }
      const byName = new Map(objects(state.generation).map((o) => [o.name, o]));
      for (const key of state.inventory) {
        const path = byName.get(key.name)?.path ?? (await recordedPath(state.stateDir, key));
        if (path === undefined || !(await exists(path))) violations.push({ invariant: 'inventory-absent', detail: `${key.kind}/${key.name}${path === undefined ? ' (no path known)' : ` at ${path}`}` });
      }
      for (const resource of state.status?.resources ?? []) {
        const path = byName.get(resource.name)?.path ?? (await recordedPath(state.stateDir, resource));
        const present = path !== undefined && (await exists(path));
        if (resource.health.status === 'Missing' && present) violations.push({ invariant: 'status-missing-but-exists', detail: `${resource.kind}/${resource.name} at ${path}` });
        if (resource.health.status === 'Healthy' && !present) violations.push({ invariant: 'status-healthy-but-absent', detail: `${resource.kind}/${resource.name}` });
      }
      if (state.status?.health.status === 'Healthy') {
        for (const { name, path } of want.values()) if (!(await exists(path))) violations.push({ invariant: 'status-healthy-but-absent', detail: `application Healthy without ${name} at ${path}` });
      }
      return violations;
    },
  };
}

/** A File's content at a generation: header, a body of a size that varies, a trailer. */
export function contentOf(name: string, generation: number): string {
  const size = 512 + ((generation * 7919 + name.length * 104_729) % 6000);
  return `${name} generation ${generation}\n${'abcdefghij'.repeat(Math.ceil(size / 10)).slice(0, size)}\nend of ${name} ${generation}\n`;
}

/** Files under `dir` whose content is not wholly one generation's content of the object its first line names. */
async function tornFiles(dir: string, base: string, upTo: number): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const path of await entriesUnder(dir, base)) {
    if (TEMP.test(path)) continue;
    const full = join(dir, path.slice(base.length));
    const stats = await lstat(full).catch(() => undefined);
    if (stats?.isFile() !== true) continue;
    const text = await readFile(full, 'utf8').catch(() => '');
    const header = /^(\S+) generation (\d+)\n/.exec(text);
    const generation = Number(header?.[2] ?? -1);
    if (header === null || generation > upTo || text !== contentOf(header[1] ?? '', generation)) {
      violations.push({ invariant: 'torn-file', detail: `${path}: ${text.length} bytes, starts ${JSON.stringify(text.slice(0, 40))}` });
    }
  }
  return violations;
}

async function mismatch(full: string, declared: Declared): Promise<string | undefined> {
  const stats = await lstat(full).catch(() => undefined);
  if (stats === undefined) return 'absent';
  switch (declared.kind) {
    case 'Directory':
      return stats.isDirectory() ? undefined : 'not a directory';
    case 'Symlink':
      if (!stats.isSymbolicLink()) return 'not a symlink';
      return (await readlink(full)).endsWith(declared.target) ? undefined : `points at ${await readlink(full)}`;
    case 'File':
      if (!stats.isFile()) return 'not a file';
      return (await readFile(full, 'utf8')) === declared.content ? undefined : 'other content';
  }
}

/** Every entry under `dir` (recursively, symlinks not followed), as manifest paths under `base`. */
async function entriesUnder(dir: string, base: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = `${base}/${entry.name}`;
    found.push(path);
    if (entry.isDirectory()) found.push(...(await entriesUnder(join(dir, entry.name), path)));
  }
  return found;
}

async function findAll(dir: string, pattern: RegExp): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (pattern.test(entry.name)) found.push(full);
    if (entry.isDirectory()) found.push(...(await findAll(full, pattern)));
  }
  return found;
}

/** The path the host provider recorded for an object, from its record in the state dir. */
async function recordedPath(stateDir: string, key: ObjectKey): Promise<string | undefined> {
  const id = keyId({ apiVersion: key.apiVersion, kind: key.kind, name: key.name });
  const file = join(stateDir, 'apps/test/host/test/objects', `${encodeURIComponent(id)}.json`);
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as { path?: unknown };
    return typeof record.path === 'string' ? record.path : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves true once `check` holds (polled every millisecond or so), false once `stop` aborts. */
export async function until(check: () => Promise<boolean>, stop: AbortSignal): Promise<boolean> {
  while (!stop.aborted) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return false;
}

export type { KillPhase };
