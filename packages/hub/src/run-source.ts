/**
 * A run's commit and workflow from the repository: a bare clone in a temporary folder, the ref
 * resolved to a commit, and only `.trueup/` of that commit written out to read the workflow.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findWorkflowFile, readWorkflow, type Workflow } from '@trueup/workflow';
import { HubErrors } from './errors.ts';

const exec = promisify(execFile);

export async function workflowAt(repository: string, ref: string, name: string, env: Record<string, string> = {}): Promise<{ sha: string; ref: string; workflow: Workflow }> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-hub-run-'));
  const git = async (args: string[]): Promise<string> => {
    try {
      const { stdout } = await exec('git', args, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', GIT_TERMINAL_PROMPT: '0', LANG: 'C', ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 5 * 60_000 });
      return stdout.trim();
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw HubErrors.create('HUB_REQUEST_INVALID', `git ${args[0] ?? ''} of ${repository}: ${stderr === undefined || stderr === '' ? (error as Error).message : stderr}`, { field: 'repository' });
    }
  };
  try {
    await git(['clone', '--quiet', '--bare', '--', repository, 'repo.git']);
    const gitDir = join(dir, 'repo.git');
    const sha = await git(['--git-dir', gitDir, 'rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`]).catch(() => {
      throw HubErrors.create('HUB_REQUEST_INVALID', `no branch, tag or commit "${ref}" in ${repository}`, { field: 'ref' });
    });
    const fullRef = ref === 'HEAD' ? await git(['--git-dir', gitDir, 'symbolic-ref', '-q', 'HEAD']).catch(() => sha)
      : await git(['--git-dir', gitDir, 'rev-parse', '--symbolic-full-name', '--end-of-options', ref]).then((out) => {
        // Some git versions echo `--end-of-options` on a line of its own before the name.
        const full = out.split('\n').filter((line) => line !== '--end-of-options').at(-1) ?? '';
        return full === '' ? sha : full;
      }).catch(() => sha);
    await mkdir(join(dir, 'tree'));
    await git(['--git-dir', gitDir, '--work-tree', join(dir, 'tree'), 'checkout', sha, '--', '.trueup']).catch(() => {
      throw HubErrors.create('HUB_REQUEST_INVALID', `${repository} has no .trueup/ folder at ${sha}`, { field: 'repository' });
    });
    const tree = join(dir, 'tree');
    const file = await findWorkflowFile(tree, name);
    return { sha, ref: fullRef, workflow: await readWorkflow(tree, file) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
