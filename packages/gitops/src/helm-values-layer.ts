/**
 * Which file holds the Helm value that wins, purely: of the values layers above the chart's
 * values.yaml (highest precedence looked at first), the last values file of the repository that
 * sets the key, else the chart's values.yaml. A layer that is not a file of the repository (inline
 * values, a ConfigMap or Secret, a `--set`, another checkout's file) and sets the key is refused
 * with what it is: writing any file would change nothing that renders.
 */
import { parseYamlDocuments, type HelmValuesLayer } from '@trueup/api';
import { GitopsErrors } from './errors.ts';

export function valuesFileFor(read: (file: string) => string | undefined, chartValues: string, key: string, layers: readonly HelmValuesLayer[]): string {
  for (const layer of [...layers].reverse()) {
    if (layer.file !== undefined) {
      const text = read(layer.file);
      if (text !== undefined && setsKey(text, layer.file, key)) return layer.file;
      continue;
    }
    const overlapping = (layer.keys ?? []).find((set) => set === key || set.startsWith(`${key}.`) || key.startsWith(`${set}.`));
    if (overlapping !== undefined) throw GitopsErrors.create('GITOPS_VALUE_NOT_IN_REPO', `the values key "${key}" is set by ${layer.what} (at "${overlapping}"), which is not a file of the repository: the value that renders comes from there, so writing ${chartValues} or a values file would change nothing; change it there by hand`, { file: chartValues, field: key });
  }
  return chartValues;
}

/** The files whose text decides: every values file layer. */
export function layerFiles(layers: readonly HelmValuesLayer[] | undefined): string[] {
  return (layers ?? []).flatMap((layer) => (layer.file === undefined ? [] : [layer.file]));
}

function setsKey(text: string, file: string, key: string): boolean {
  const [document] = parseYamlDocuments(text, file);
  let current: unknown = document?.value;
  for (const part of key.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}
