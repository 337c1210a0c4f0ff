/** Finds workflow files in a checkout: `.trueup/workflows/*.yml` and `*.yaml`. */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { WorkflowErrors } from './errors.ts';
import { loadWorkflow } from './load.ts';
import type { Workflow } from './model.ts';

export const WORKFLOWS_DIR = '.trueup/workflows';
/** Larger workflow files are refused before parsing. */
export const MAX_WORKFLOW_BYTES = 1024 * 1024;

export async function listWorkflowFiles(repoDir: string): Promise<string[]> {
  try {
    const names = await readdir(join(repoDir, WORKFLOWS_DIR));
    return names.filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => `${WORKFLOWS_DIR}/${name}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The workflow a user names: a path, a file name in the workflows folder (with or without
 * extension), or nothing when the repository has exactly one workflow.
 */
export async function findWorkflowFile(repoDir: string, name: string | undefined): Promise<string> {
  const files = await listWorkflowFiles(repoDir);
  if (name === undefined) {
    if (files.length === 1) return files[0] as string;
    throw WorkflowErrors.create('WORKFLOW_NOT_FOUND', files.length === 0 ? `no workflow in ${WORKFLOWS_DIR}/` : `several workflows; name one of: ${files.map((f) => basename(f)).join(', ')}`);
  }
  const asPath = relative(repoDir, resolve(repoDir, name)).split('\\').join('/');
  const match = files.find((file) => file === asPath || basename(file) === name || basename(file).replace(/\.ya?ml$/, '') === name);
  if (match !== undefined) return match;
  throw WorkflowErrors.create('WORKFLOW_NOT_FOUND', `no workflow "${name}" in ${WORKFLOWS_DIR}/; there are: ${files.map((f) => basename(f)).join(', ') || 'none'}`);
}

export async function readWorkflow(repoDir: string, file: string): Promise<Workflow> {
  const content = await readFile(join(repoDir, file), 'utf8');
  if (Buffer.byteLength(content) > MAX_WORKFLOW_BYTES) throw WorkflowErrors.create('WORKFLOW_INVALID', `the file is larger than ${MAX_WORKFLOW_BYTES} bytes`, { file });
  return loadWorkflow(file, content);
}
