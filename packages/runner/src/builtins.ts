/** The built-in actions: actions/checkout, actions/upload-artifact, actions/download-artifact, and Trueup's own steps. */
import { globSync, readdirSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { BuiltinAction, StepConclusion } from '@trueup/api';
import type { ArtifactFile } from './artifact-store.ts';
import { RunnerErrors } from './errors.ts';
import { runDeployStep } from './deploy-step.ts';
import { runHandoffStep } from './handoff-steps.ts';
import { activeSignal, type JobState } from './job-state.ts';

type Result = { outcome: StepConclusion; outputs: Record<string, string> };

export async function runBuiltin(job: JobState, action: { action: BuiltinAction; ref: string }, withs: Record<string, string>): Promise<Result> {
  switch (action.action) {
    case 'checkout':
      return checkout(job, withs);
    case 'upload-artifact':
      return uploadArtifact(job, withs);
    case 'download-artifact':
      return downloadArtifact(job, withs);
    case 'gitops-set':
    case 'wait-healthy':
    case 'sync':
    case 'release':
      return runHandoffStep(job, action.action, withs);
    case 'deploy':
      return runDeployStep(job, withs);
  }
}

function insideWorkspace(job: JobState, path: string, what: string): string {
  const full = resolve(job.dirs.workspace, path);
  if (full !== job.dirs.workspace && !full.startsWith(job.dirs.workspace + sep)) throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', `${what} "${path}" is outside the workspace`);
  return full;
}

async function checkout(job: JobState, withs: Record<string, string>): Promise<Result> {
  for (const key of ['repository', 'ssh-key', 'token']) {
    if ((withs[key] ?? '') !== '') throw RunnerErrors.create('RUNNER_CHECKOUT_FAILED', `actions/checkout: "${key}" is not supported; the job checks out the repository the run is for`);
  }
  const dest = insideWorkspace(job, withs.path ?? '', 'path');
  const ref = withs.ref ?? '';
  // A fresh workspace is empty; a second checkout into it starts over, as actions/checkout cleans.
  for (const entry of await readdir(dest).catch(() => [])) await rm(join(dest, entry), { recursive: true, force: true });
  const sha = await job.options.checkout.checkout(dest, activeSignal(job), ref === '' ? undefined : ref);
  job.log.note(`[trueup] checked out ${ref === '' ? '' : `${ref} at `}${sha} into ${relative(job.dirs.workspace, dest) || '.'}`);
  return { outcome: 'success', outputs: { commit: sha } };
}

async function uploadArtifact(job: JobState, withs: Record<string, string>): Promise<Result> {
  const name = (withs.name ?? '') === '' ? 'artifact' : (withs.name as string);
  const patterns = (withs.path ?? '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (patterns.length === 0) throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', 'actions/upload-artifact: "path" is required');
  const files = collectFiles(job, patterns);
  const ifNone = withs['if-no-files-found'] ?? 'warn';
  if (files.length === 0) {
    const message = `actions/upload-artifact: no files were found with ${patterns.join(', ')}`;
    if (ifNone === 'error') throw RunnerErrors.create('RUNNER_ARTIFACT_INVALID', message);
    if (ifNone === 'warn') job.log.note(`::warning::${message}`);
    return { outcome: 'success', outputs: {} };
  }
  const stored = await job.options.artifacts.upload(name, files, withs.overwrite === 'true');
  job.log.note(`[trueup] artifact "${name}": ${stored.files} files, ${stored.bytes} bytes`);
  return { outcome: 'success', outputs: { 'artifact-id': name } };
}

/** Files matched by the patterns, with paths relative to their least common ancestor (as GitHub does). */
function collectFiles(job: JobState, patterns: string[]): ArtifactFile[] {
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const found = new Set<string>();
  const roots: string[] = [];
  for (const pattern of include) {
    const base = insideWorkspace(job, pattern.replace(/[*?[{].*$/, ''), 'path');
    roots.push(/[*?[{]/.test(pattern) ? base.replace(/\/[^/]*$/, '') || '/' : base);
    for (const match of globSync(pattern, { cwd: job.dirs.workspace })) {
      const full = insideWorkspace(job, match, 'path');
      for (const file of walk(full)) found.add(file);
    }
  }
  const excluded = new Set(exclude.flatMap((p) => globSync(p, { cwd: job.dirs.workspace }).flatMap((m) => walk(resolve(job.dirs.workspace, m)))));
  const files = [...found].filter((file) => !excluded.has(file)).sort();
  const root = commonAncestor(files.length === 1 ? [resolve(files[0] as string, '..')] : files.map((f) => resolve(f, '..')));
  return files.map((file) => ({ path: relative(root, file).split(sep).join('/'), source: file }));
}

function walk(path: string): string[] {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined) return [];
  if (info.isFile()) return [path];
  if (!info.isDirectory()) return [];
  return readdirSync(path, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

function commonAncestor(dirs: string[]): string {
  if (dirs.length === 0) return '/';
  let common = (dirs[0] as string).split(sep);
  for (const dir of dirs.slice(1)) {
    const parts = dir.split(sep);
    let i = 0;
    while (i < common.length && common[i] === parts[i]) i += 1;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

async function downloadArtifact(job: JobState, withs: Record<string, string>): Promise<Result> {
  const dest = insideWorkspace(job, withs.path ?? '', 'path');
  const name = withs.name ?? '';
  const names = name === '' ? await job.options.artifacts.list() : [name];
  for (const each of names) {
    const got = await job.options.artifacts.download(each, name === '' ? join(dest, each) : dest);
    job.log.note(`[trueup] artifact "${each}": ${got.files} files into ${relative(job.dirs.workspace, dest) || '.'}`);
  }
  return { outcome: 'success', outputs: { 'download-path': dest } };
}
