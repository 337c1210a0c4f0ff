/**
 * `File.spec.source`: a file in the repository, relative to the manifest's folder and confined to
 * the checkout, read into `content` (UTF-8 text, or base64 when the bytes are not UTF-8).
 */
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import type { ErrorLocation } from '@trueup/api';
import { RenderErrors } from './errors.ts';
import { readConfined } from './read-file.ts';
import { confineRelative, type RepoRoot } from './repo.ts';

export interface SourceContent {
  /** Repo-relative path of the source file. */
  file: string;
  content: string;
  encoding: 'utf8' | 'base64';
  bytes: number;
}

export interface SourceRequest {
  /** Repo-relative manifest that names the source. */
  manifest: string;
  source: string;
  /** Where `spec.source` is, for errors. */
  location: ErrorLocation;
}

export function readSource(repo: RepoRoot, request: SourceRequest, maxBytes: number): SourceContent {
  const { source, location } = request;
  const file = path.posix.isAbsolute(source) ? undefined : confineRelative(path.posix.join(path.posix.dirname(request.manifest), source));
  if (file === undefined) {
    throw RenderErrors.create('RENDER_SOURCE_ESCAPES_REPO', `source "${source}" leads outside the repository: give a path relative to the manifest's folder`, location);
  }
  const read = readConfined(repo, file, maxBytes);
  switch (read.status) {
    case 'ok': {
      const { bytes } = read;
      return isUtf8(bytes)
        ? { file, content: bytes.toString('utf8'), encoding: 'utf8', bytes: bytes.length }
        : { file, content: bytes.toString('base64'), encoding: 'base64', bytes: bytes.length };
    }
    case 'missing':
      throw RenderErrors.create('RENDER_SOURCE_NOT_FOUND', `source "${source}" (${file}) does not exist in the repository`, location);
    case 'escapes':
      throw RenderErrors.create('RENDER_SOURCE_ESCAPES_REPO', `source "${source}" (${file}) is a symlink leading outside the repository`, location);
    case 'not-a-file':
      throw RenderErrors.create('RENDER_SOURCE_NOT_FOUND', `source "${source}" (${file}) is ${read.folder ? 'a folder' : 'not a regular file'}`, location);
    case 'too-large':
      throw RenderErrors.create('RENDER_LIMIT', `source "${source}" has ${read.size} bytes, more than the limit of ${maxBytes}`, location);
  }
}
