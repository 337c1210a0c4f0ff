import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from './errors.ts';
import { ServiceSpecSchema } from './host-kinds.ts';
import { validateDocument } from './validate.ts';
import { parseYamlDocuments } from './yaml.ts';

function messageOf(yaml: string): { message: string; line?: number; field?: string } {
  const [doc] = parseYamlDocuments(yaml, 'svc.yaml');
  if (doc === undefined) throw new Error('no document');
  try {
    validateDocument(ServiceSpecSchema, doc, 'svc.yaml');
  } catch (error) {
    assert.ok(isTrueupError(error));
    return { message: error.message, ...(error.location.line === undefined ? {} : { line: error.location.line }), ...(error.location.field === undefined ? {} : { field: error.location.field }) };
  }
  assert.fail('expected an error');
}

test('an argv item that is not a string is named, with how to fix it', () => {
  assert.deepEqual(messageOf('command: [sleep, 1]\n'), { message: 'argv item 1 is a number: every item must be a string; quote it: "1"', line: 1, field: 'command' });
  assert.match(messageOf('command: [sleep, {a: 1}]\n').message, /argv item 1 is a mapping: every item must be a string$/);
  assert.match(messageOf('command: 12\n').message, /a string for the shell, or a list of strings/);
});
