/** Checks across documents: unique Kind/name, unique managed paths, `onChange` naming real objects. */
import { ApiErrors, formatFieldPath } from '@trueup/api';
import type { HostDocument } from './document.ts';
import { RenderErrors } from './errors.ts';
import { managedPath } from './normalize.ts';

export function referenceOf(doc: Pick<HostDocument, 'kind' | 'metadata'>): string {
  return `${doc.kind}/${doc.metadata.name}`;
}

function placeOf(doc: HostDocument, path: readonly (string | number)[]): string {
  return `${doc.file}:${doc.doc.lineOf(path)}`;
}

export function checkUniqueNames(docs: readonly HostDocument[]): void {
  const seen = new Map<string, HostDocument>();
  for (const doc of docs) {
    const reference = referenceOf(doc);
    const first = seen.get(reference);
    if (first === undefined) {
      seen.set(reference, doc);
      continue;
    }
    const field = ['metadata', 'name'];
    throw ApiErrors.create('API_DUPLICATE_NAME', `${reference} is declared twice: at ${placeOf(first, field)} and at ${placeOf(doc, field)}`, {
      file: doc.file, line: doc.doc.lineOf(field), field: formatFieldPath(field),
    });
  }
}

export function checkUniquePaths(docs: readonly HostDocument[]): void {
  const seen = new Map<string, HostDocument>();
  for (const doc of docs) {
    const hostPath = managedPath(doc);
    if (hostPath === undefined) continue;
    const first = seen.get(hostPath);
    if (first === undefined) {
      seen.set(hostPath, doc);
      continue;
    }
    const field = ['spec', 'path'];
    const message = `path ${hostPath} is managed twice: by ${referenceOf(first)} at ${placeOf(first, field)} and by ${referenceOf(doc)} at ${placeOf(doc, field)}`;
    throw RenderErrors.create('RENDER_DUPLICATE_PATH', message, { file: doc.file, line: doc.doc.lineOf(field), field: formatFieldPath(field) });
  }
}

export function checkReferences(docs: readonly HostDocument[]): void {
  const known = new Set(docs.map(referenceOf));
  for (const doc of docs) {
    if (doc.kind !== 'Command' && doc.kind !== 'Service') continue;
    for (const [index, reference] of (doc.spec.onChange ?? []).entries()) {
      if (known.has(reference)) continue;
      const field = ['spec', 'onChange', index];
      throw RenderErrors.create('RENDER_REFERENCE_UNKNOWN', `${reference} is not declared in this application`, {
        file: doc.file, line: doc.doc.lineOf(field), field: formatFieldPath(field),
      });
    }
  }
}
