/**
 * Where each adopted field is written, purely, from the object's origin: a plain file's document
 * at the origin's line; a file kustomize rendered the object from (the document of its kind and
 * name, and only where the file holds the value the object renders: a patch or transformer in
 * between is refused at commit time); a Helm chart's values at the values key the template
 * takes the field from, in the file whose value wins (the last values file of the repository that
 * sets the key, else the chart's values.yaml; refused when a layer that is no file of the
 * repository sets it), and only when that file holds the rendered value. A generated object, a subchart's, or a chart's object with no template is
 * refused with the reason, before anything is paused for long or committed.
 */
import type { FileEdit, Origin } from '@trueup/api';
import { scalarAt, type FieldToAdopt } from './adopt-plan.ts';
import { HubErrors } from './errors.ts';

type Json = Record<string, unknown>;

export function adoptEdits(origin: Origin, object: { kind: string; name: string; id: string }, fields: readonly FieldToAdopt[], desired: Json): FileEdit[] {
  const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  if (origin.renderedBy === undefined) return fields.map((field) => ({ file: origin.file, key: field.path, value: text(field.value), line: origin.line }));
  switch (origin.renderedBy) {
    case 'kustomize':
      if (origin.generated === true) throw HubErrors.create('HUB_REQUEST_INVALID', `"${object.id}" was made by kustomize, not read from a file of the repository (a generator configured in ${origin.file}, or a remote base): there is no document to write its fields into; change the generator's inputs by hand`, { field: 'object' });
      return fields.map((field) => {
        const expect = scalarAt(desired, field.path);
        return { file: origin.file, key: field.path, value: text(field.value), match: { kind: object.kind, name: object.name }, ...(expect === undefined ? {} : { expect }) };
      });
    case 'helm': {
      const chart = origin.chart ?? '.';
      const templates = chart === '.' ? 'templates/' : `${chart}/templates/`;
      if (!origin.file.startsWith(templates)) throw HubErrors.create('HUB_REQUEST_INVALID', `"${object.id}" was rendered by Helm from ${origin.file}, not from a template of the chart ${chart} itself (a subchart, or no template): its values are not adopted; set them by hand`, { field: 'object' });
      const valuesFile = chart === '.' ? 'values.yaml' : `${chart}/values.yaml`;
      return fields.map((field) => {
        const expect = scalarAt(desired, field.path);
        if (expect === undefined) throw HubErrors.create('HUB_REQUEST_INVALID', `"${field.path}" of "${object.id}" is not in what the chart renders: no values key of ${valuesFile} owns it`, { field: 'fields' });
        return { file: valuesFile, key: field.path, value: text(field.value), valuesOf: { template: origin.file, field: field.path, ...(origin.values === undefined ? {} : { layers: origin.values }) }, expect };
      });
    }
  }
}
