/**
 * Deciding a commit, purely: the files as they are in the branch and the edits asked for give the
 * new files, the changes and the commit message — or nothing to commit.
 */
import { isTrueupError, type HelmValuesLayer, type TrueupError } from '@trueup/api';
import { editYaml, type EditChange, type ScalarEdit } from './edit-yaml.ts';
import { GitopsErrors } from './errors.ts';
import { valuesKeyOf } from './helm-values-key.ts';
import { layerFiles, valuesFileFor } from './helm-values-layer.ts';
import { buildTrailers, type CommitOrigin } from './trailers.ts';

export interface FileEdit extends ScalarEdit {
  /** Path of the YAML file, relative to the repository root. */
  file: string;
  /**
   * A Helm values file: `key` is ignored and the values key is the one the chart's `template`
   * file takes `field` from (see valuesKeyOf), read from the same branch tip. With `layers`, the
   * edit goes to the last values file that sets that key (`file` when none does), and is refused
   * when a layer that is no file of the repository sets it, except the Application's own
   * `valuesObject` in a file of the repository, edited at the key's path there (see valuesFileFor).
   */
  valuesOf?: { template: string; field: string; layers?: HelmValuesLayer[] | undefined } | undefined;
}

export interface PlannedChange extends EditChange {
  file: string;
}

export type CommitPlan =
  | { action: 'none'; failed: FailedEdit[] }
  | { action: 'commit'; files: Map<string, string>; changes: PlannedChange[]; message: string; failed: FailedEdit[] };

export interface FailedEdit {
  edit: FileEdit;
  error: TrueupError;
}

export interface PlanOptions {
  /** Who asked: one origin, or one per caller of a batch. */
  origin: CommitOrigin | readonly CommitOrigin[];
  /** The subject line; default says what was set. */
  message?: string;
  /**
   * Each edit stands alone: one that fails is reported in `failed` and the others still commit
   * (the queue batches edits of different callers). Without it the first failure throws.
   */
  isolate?: boolean;
}

/** `read(file)` gives a file's text in the branch, or undefined when it does not exist. */
export function planCommit(read: (file: string) => string | undefined, edits: readonly FileEdit[], options: PlanOptions): CommitPlan {
  const files = new Map<string, string>();
  const changes: PlannedChange[] = [];
  const failed: FailedEdit[] = [];
  for (const edit of edits) {
    try {
      const key = edit.valuesOf === undefined ? edit.key : valuesKeyFrom(read, edit.valuesOf);
      const target = edit.valuesOf?.layers === undefined ? { file: edit.file, key } : valuesFileFor((f) => files.get(f) ?? read(f), edit.file, key, edit.valuesOf.layers);
      const file = checkPath(target.file);
      const before = files.get(file) ?? read(file);
      if (before === undefined) throw GitopsErrors.create('GITOPS_FILE_NOT_FOUND', `${file} does not exist in the branch, or is not a regular file`, { file, field: edit.key });
      const result = editYaml(before, file, [{ ...edit, key: target.key, ...(target.line === undefined ? {} : { line: target.line }) }]);
      if (result.changes.length === 0) continue;
      files.set(file, result.text);
      changes.push(...result.changes.map((change) => ({ ...change, file })));
    } catch (error) {
      if (options.isolate !== true || !isTrueupError(error)) throw error;
      failed.push({ edit, error });
    }
  }
  if (changes.length === 0) return { action: 'none', failed };
  return { action: 'commit', files, changes, message: commitMessage(changes, options), failed };
}

/** The files the edits read: each edited file, and the template a values edit takes its key from. */
export function filesRead(edits: readonly FileEdit[]): string[] {
  return edits.flatMap((edit) => (edit.valuesOf === undefined ? [edit.file] : [edit.file, edit.valuesOf.template, ...layerFiles(edit.valuesOf.layers)]));
}

function valuesKeyFrom(read: (file: string) => string | undefined, from: { template: string; field: string }): string {
  const template = checkPath(from.template);
  const text = read(template);
  if (text === undefined) throw GitopsErrors.create('GITOPS_FILE_NOT_FOUND', `the chart's template ${template} does not exist in the branch`, { file: template, field: from.field });
  return valuesKeyOf(text, template, from.field);
}

export function commitMessage(changes: readonly PlannedChange[], options: PlanOptions): string {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const [first] = changes;
  const subject = options.message ?? (changes.length === 1 && first !== undefined
    ? `Set ${first.key} to ${show(first.to)} in ${first.file}`
    : `Set ${changes.length} values in ${[...new Set(changes.map((change) => change.file))].join(', ')}`);
  const body = changes.map((change) => `- ${change.file}:${change.line} ${change.key}: ${change.from === undefined ? '(added)' : show(change.from)} → ${show(change.to)}`);
  const trailers = buildTrailers(options.origin, changes.map((change) => show(change.to)));
  return `${subject.replace(/[\r\n]+/g, ' ').trim()}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}

/** A path inside the repository: relative, no `..`, not under `.git`. */
export function checkPath(file: string): string {
  const normalized = file.replace(/^\.\/+/, '');
  const parts = normalized.split('/');
  if (normalized === '' || normalized.startsWith('/') || parts.some((part) => part === '..' || part === '') || parts[0] === '.git' || normalized.includes('\0')) {
    throw GitopsErrors.create('GITOPS_FILE_NOT_FOUND', `"${file}" is not a path inside the repository: give it relative to the repository root, without ".."`, { file });
  }
  return normalized;
}
