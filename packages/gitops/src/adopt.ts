/**
 * Adoption, purely: the live values of an object's fields written back into the file and the
 * document the object came from (its origin, as the agent records it: the line its document's
 * content starts on), as byte-preserving edits. A field the origin does not hold, or a value that
 * is not a single scalar, is refused with the reason; the other fields are still written.
 */
import { isTrueupError, type Origin } from '@trueup/api';
import { editYaml, type EditChange } from './edit-yaml.ts';
import { GitopsErrors } from './errors.ts';
import { documentAtLine, parseFile } from './parse.ts';

export interface AdoptField {
  /** Key path in the object: `spec.replicas`, `spec.template.spec.containers[name=web].image`. */
  path: string;
  /** The live value. */
  value: unknown;
}

export interface AdoptResult {
  text: string;
  changes: EditChange[];
  refused: { path: string; code: string; reason: string }[];
}

export function adoptFields(text: string, origin: Origin, fields: readonly AdoptField[]): AdoptResult {
  const document = documentAt(text, origin);
  let current = text;
  const changes: EditChange[] = [];
  const refused: AdoptResult['refused'] = [];
  for (const field of fields) {
    const value = field.value;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && value !== null) {
      refused.push({ path: field.path, code: 'GITOPS_NOT_A_SCALAR', reason: `the live value of "${field.path}" is ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : `of type ${typeof value}`}: adopt its fields one by one` });
      continue;
    }
    try {
      const result = editYaml(current, origin.file, [{ key: field.path, value: value === null ? 'null' : String(value), document }]);
      current = result.text;
      changes.push(...result.changes);
    } catch (error) {
      if (!isTrueupError(error)) throw error;
      const reason = error.code === 'GITOPS_KEY_NOT_FOUND'
        ? `${origin.file}:${origin.line} does not set "${field.path}" (the live value comes from a default or another writer): add it to the file by hand if Git should own it`
        : error.describe();
      refused.push({ path: field.path, code: error.code, reason });
    }
  }
  return { text: current, changes, refused };
}

/** The index of the document whose content starts on `origin.line` (or, failing that, spans it). */
export function documentAt(text: string, origin: Origin): number {
  const found = documentAtLine(parseFile(text, origin.file), origin.line);
  if (found !== -1) return found;
  throw GitopsErrors.create('GITOPS_KEY_NOT_FOUND', `no YAML document at line ${origin.line}: the file changed since the object was applied`, { file: origin.file, line: origin.line });
}
