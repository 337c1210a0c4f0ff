/** `workflow_dispatch` inputs: the given `k=v` pairs checked against their declared types. Pure. */
import type { JsonValue } from '@trueup/api';
import { WorkflowErrors } from './errors.ts';
import type { DispatchInput } from './model.ts';

export function resolveInputs(file: string, declared: Record<string, DispatchInput>, given: Record<string, string>): Record<string, JsonValue> {
  const fail = (name: string, message: string): never => {
    throw WorkflowErrors.create('WORKFLOW_INPUT_INVALID', message, { file, field: `on.workflow_dispatch.inputs.${name}` });
  };
  for (const name of Object.keys(given)) {
    if (!(name in declared)) fail(name, `unknown input "${name}"; the workflow declares: ${Object.keys(declared).join(', ') || 'none'}`);
  }
  const out: Record<string, JsonValue> = {};
  for (const [name, input] of Object.entries(declared)) {
    const raw = given[name];
    if (raw === undefined) {
      if (input.default !== undefined) out[name] = input.type === 'boolean' ? input.default === true || input.default === 'true' : input.default;
      else if (input.required) fail(name, `input "${name}" is required`);
      else out[name] = input.type === 'boolean' ? false : '';
      continue;
    }
    switch (input.type) {
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') fail(name, `input "${name}" is a boolean: give true or false, not "${raw}"`);
        out[name] = raw === 'true';
        break;
      case 'number':
        if (raw.trim() === '' || !Number.isFinite(Number(raw))) fail(name, `input "${name}" is a number, not "${raw}"`);
        out[name] = Number(raw);
        break;
      case 'choice':
        if (!input.options.includes(raw)) fail(name, `input "${name}" must be one of ${input.options.join(', ')}, not "${raw}"`);
        out[name] = raw;
        break;
      case 'string':
      case 'environment':
        out[name] = raw;
        break;
    }
  }
  return out;
}
