/** `hashFiles(patterns…)`: one SHA-256 over the matching files of the workspace, as GitHub computes it. */
import { createHash } from 'node:crypto';
import { globSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtraFunction } from '@trueup/workflow';

export function hashFilesFunction(workspace: string): ExtraFunction {
  return {
    name: 'hashFiles', minArgs: 1, maxArgs: 255,
    call: (...patterns) => {
      const include = patterns.map(String).filter((p) => !p.startsWith('!'));
      const exclude = patterns.map(String).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
      const files = globSync(include, { cwd: workspace, exclude: (path) => exclude.some((p) => globSync(p, { cwd: workspace }).includes(String(path))) })
        .filter((path) => statSync(join(workspace, path)).isFile())
        .sort();
      if (files.length === 0) return '';
      const outer = createHash('sha256');
      for (const file of files) outer.update(createHash('sha256').update(readFileSync(join(workspace, file))).digest());
      return outer.digest('hex');
    },
  };
}
