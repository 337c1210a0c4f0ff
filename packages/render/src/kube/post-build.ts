/**
 * Flux's post-build variable substitution, on each rendered object's YAML as Flux does it:
 * `${var}`, `${var:=default}`, `${var:-default}`, `${var=default}`, `${var-default}`; `$${var}`
 * gives `${var}` unchanged; `$var` without braces is left alone; a variable with no value and no
 * default becomes empty (Flux's default, non-strict). An object annotated
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` is left alone. Other shell operators
 * (`${var:1}`, `${var/a/b}`) are refused, naming the object.
 */
import { ApiErrors, displayKey, keyOf, parseYamlDocuments, stringifyYaml, type DesiredObject, type Manifest } from '@trueup/api';

export const SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const VARIABLE = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])(.*))?$/s;

export function substituteVariables(objects: readonly DesiredObject[], variables: Readonly<Record<string, string>>): DesiredObject[] {
  return objects.map((object) => {
    if (object.manifest.metadata.annotations?.[SUBSTITUTE_ANNOTATION] === 'disabled') return object;
    const text = stringifyYaml(object.manifest);
    if (!text.includes('${')) return object;
    const replaced = text.replace(REFERENCE, (whole, escaped: string, inner: string) => {
      if (escaped === '$') return whole.slice(1);
      const match = VARIABLE.exec(inner);
      if (match === null) {
        throw ApiErrors.create('API_FIELD_INVALID', `${displayKey(object.key)}: \${${inner}} is not a substitution Trueup supports (\${var}, \${var:=default}, \${var:-default}); write $\${${inner}} to keep it as it is`, { file: object.origin.file, line: object.origin.line });
      }
      const [, name = '', operator, fallback = ''] = match;
      const value = variables[name];
      if (operator === undefined) return value ?? '';
      // `:=` / `:-` also replace an empty value; `=` / `-` only a missing one.
      return value === undefined || (operator.startsWith(':') && value === '') ? fallback : value;
    });
    const [doc] = parseYamlDocuments(replaced, object.origin.file);
    const manifest = doc?.value as Manifest | undefined;
    if (manifest?.metadata === undefined) {
      throw ApiErrors.create('API_FIELD_INVALID', `${displayKey(object.key)}: the substituted object is no longer a Kubernetes object`, { file: object.origin.file, line: object.origin.line });
    }
    return { ...object, key: keyOf(manifest), manifest };
  });
}
