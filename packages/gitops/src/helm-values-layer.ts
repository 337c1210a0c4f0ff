/**
 * Which file holds the Helm value that wins, purely: of the values layers above the chart's
 * values.yaml (highest precedence looked at first), the last values file of the repository that
 * sets the key, else the chart's values.yaml. A layer that is not a file of the repository (inline
 * values, a ConfigMap or Secret, a `--set`, another checkout's file) and sets the key is refused
 * with what it is: writing any file would change nothing that renders. The Application's own
 * inline values mapping (`valuesObject`) in a file of the repository gets the edit at the key's
 * own path in it; a values string, or an Application file the agent loaded from outside the
 * repository, is refused naming the file and the key.
 */
import { parseYamlDocuments, type HelmValuesLayer } from '@trueup/api';
import { GitopsErrors } from './errors.ts';

/** Where a values key is written: a file, the key path in it, and the document's line for an Application's inline values. */
export interface ValuesTarget {
  file: string;
  key: string;
  line?: number | undefined;
}

export function valuesFileFor(read: (file: string) => string | undefined, chartValues: string, key: string, layers: readonly HelmValuesLayer[]): ValuesTarget {
  for (const layer of [...layers].reverse()) {
    if (layer.file !== undefined) {
      const text = read(layer.file);
      if (text !== undefined && setsKey(text, layer.file, key)) return { file: layer.file, key };
      continue;
    }
    const overlapping = (layer.keys ?? []).find((set) => set === key || set.startsWith(`${key}.`) || key.startsWith(`${set}.`));
    if (overlapping === undefined) continue;
    const inline = layer.application;
    if (inline !== undefined && inline.outside === undefined && inline.string !== true && overlapping === key) return { file: inline.file, key: `${inline.at}.${key}`, line: inline.line };
    throw GitopsErrors.create('GITOPS_VALUE_NOT_IN_REPO', refusal(layer, key, overlapping, chartValues), { file: inline?.file ?? chartValues, field: inline === undefined ? key : `${inline.at}.${overlapping}`, ...(inline?.line === undefined ? {} : { line: inline.line }) });
  }
  return { file: chartValues, key };
}

function refusal(layer: HelmValuesLayer, key: string, overlapping: string, chartValues: string): string {
  const inline = layer.application;
  const setBy = `the values key "${key}" is set by ${layer.what} (at "${overlapping}")`;
  if (inline === undefined) return `${setBy}, which is not a file of the repository: the value that renders comes from there, so writing ${chartValues} or a values file would change nothing; change it there by hand`;
  const where = `${inline.file}${inline.line === undefined ? '' : `:${inline.line}`} ${inline.at}`;
  if (inline.outside !== undefined) return `${setBy}, in the Application file ${where}, which is not in the Git repository (${inline.outside}), so writing ${chartValues} or a values file would change nothing; change it there by hand`;
  if (inline.string === true) return `${setBy}, in the Application file ${where}: a values string (not a mapping) is not edited in place; change "${overlapping}" there by hand, or move the values to valuesObject`;
  return `${setBy}, in the Application file ${where}: the key is ${key.startsWith(`${overlapping}.`) ? 'inside a value' : 'above values'} set there, not one value of it; change "${overlapping}" there by hand`;
}

/** The files whose text decides: every values file layer. */
export function layerFiles(layers: readonly HelmValuesLayer[] | undefined): string[] {
  return (layers ?? []).flatMap((layer) => (layer.file !== undefined ? [layer.file] : layer.application !== undefined && layer.application.outside === undefined ? [layer.application.file] : []));
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
