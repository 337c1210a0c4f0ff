/**
 * Which values key a field of a Helm-rendered object comes from, purely, from the template's text:
 * only when the template has exactly one line for the field's last key and that line's value is a
 * single `{{ .Values.KEY }}` (optionally `| quote`). Anything else is refused with the reason: the
 * field is computed, literal, or written in more than one place, so no one values key owns it.
 */
import { GitopsErrors } from './errors.ts';
import { parseKeyPath } from './key-path.ts';

const VALUES_REF = /^\{\{-?\s*\$?\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*(?:\|\s*quote\s*)?-?\}\}$/;

export function valuesKeyOf(template: string, file: string, field: string): string {
  const segments = parseKeyPath(field, file);
  const last = segments[segments.length - 1];
  if (last?.kind !== 'key') throw GitopsErrors.create('GITOPS_TEMPLATED', `"${field}" does not end in a key, so no template line sets it`, { file, field });
  const leaf = last.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lineOf = new RegExp(`^\\s*(?:-\\s+)?["']?${leaf}["']?:\\s*(.*?)\\s*(?:#.*)?$`);
  const lines = template.split(/\r?\n/).map((text, index) => ({ line: index + 1, match: lineOf.exec(text) })).filter((entry) => entry.match !== null);
  if (lines.length === 0) throw GitopsErrors.create('GITOPS_TEMPLATED', `the template ${file} has no "${last.key}:" line, so "${field}" does not come from a values key (a default, or another template)`, { file, field });
  if (lines.length > 1) throw GitopsErrors.create('GITOPS_TEMPLATED', `the template ${file} has "${last.key}:" on lines ${lines.map((l) => l.line).join(', ')}: which one renders "${field}" is not certain, so the values key is not adopted`, { file, field });
  const [only] = lines;
  const value = only?.match?.[1] ?? '';
  const ref = VALUES_REF.exec(value);
  if (ref?.[1] === undefined) throw GitopsErrors.create('GITOPS_TEMPLATED', `${file}:${only?.line ?? 0} writes "${last.key}: ${value}", not one {{ .Values.KEY }}: "${field}" is computed or literal, so no values key owns it`, { file, field, line: only?.line ?? 1 });
  return ref[1];
}
