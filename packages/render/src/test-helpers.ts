/** Shared by the render tests: fixture paths, temporary repositories and error capture. */
import assert from 'node:assert/strict';
import { cp, mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTrueupError } from '@trueup/api';

export const TESTDATA = fileURLToPath(new URL('../testdata/', import.meta.url));

export function fixture(...parts: string[]): string {
  return path.join(TESTDATA, ...parts);
}

export interface CapturedError {
  code: string;
  file?: string;
  line?: number;
  field?: string;
  message: string;
}

export async function captureError(promise: Promise<unknown>): Promise<CapturedError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isTrueupError(error), `expected a TrueupError, got ${String(error)}`);
    return { code: error.code, ...error.location, message: error.message };
  }
  assert.fail('expected the render to fail');
}

/** A scratch folder holding `repo/` (optionally a copy of a fixture) and whatever lies beside it. */
export async function scratchRepo(from?: string): Promise<{ root: string; repo: string; write(relative: string, text: string | Uint8Array): Promise<void>; link(relative: string, target: string): Promise<void>; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'trueup-render-'));
  const repo = path.join(root, 'repo');
  if (from === undefined) await mkdir(repo);
  else await cp(from, repo, { recursive: true });
  const place = async (relative: string): Promise<string> => {
    const target = path.join(repo, ...relative.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    return target;
  };
  return {
    root,
    repo,
    write: async (relative, text) => writeFile(await place(relative), text),
    link: async (relative, target) => symlink(target, await place(relative)),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** A host manifest document for generated repositories. */
export function hostDoc(kind: string, name: string, spec: string): string {
  return `apiVersion: host.trueup.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
}
