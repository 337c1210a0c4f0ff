/** Sync options: honoured, accepted as how Trueup always works, or refused with what to use instead. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationSchema, hasSyncOption } from './application.ts';
import { isTrueupError } from './errors.ts';
import { syncOptionProblem, syncOptionValue } from './sync-options.ts';
import { validateDocument } from './validate.ts';
import { parseYamlDocuments } from './yaml.ts';

test('sync options Trueup honours, or always follows, are accepted', () => {
  for (const option of ['CreateNamespace=true', 'CreateNamespace=false', 'RespectIgnoreDifferences=true', 'PrunePropagationPolicy=foreground', 'PrunePropagationPolicy=orphan', 'ServerSideApply=true', 'ApplyOutOfSyncOnly=true', 'PruneLast=true', 'SkipDryRunOnMissingResource=true', 'Validate=true']) {
    assert.equal(syncOptionProblem(option), undefined, option);
  }
});

test('other options and values are refused, saying what to use', () => {
  assert.match(syncOptionProblem('Replace=true') ?? '', /"Replace" is not a supported sync option; supported: CreateNamespace, RespectIgnoreDifferences, PrunePropagationPolicy/);
  assert.match(syncOptionProblem('ServerSideApply=false') ?? '', /ServerSideApply=false is not supported: Trueup always applies server-side; use ServerSideApply=true/);
  assert.match(syncOptionProblem('PrunePropagationPolicy=later') ?? '', /use PrunePropagationPolicy=foreground or PrunePropagationPolicy=background or PrunePropagationPolicy=orphan/);
  assert.match(syncOptionProblem('CreateNamespace') ?? '', /expected Name=value/);
});

test('the last mention of an option wins', () => {
  assert.equal(syncOptionValue(['CreateNamespace=true', 'CreateNamespace=false'], 'CreateNamespace'), 'false');
  assert.equal(syncOptionValue([], 'CreateNamespace'), undefined);
});

test('an Application with a refused option names the file, the line and the option', () => {
  const text = `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: web }
spec:
  source: { repoURL: https://git.example.com/ops/config.git, path: web }
  destination: { kubernetes: { namespace: web } }
  syncPolicy:
    syncOptions:
      - CreateNamespace=true
      - Replace=true
`;
  const [doc] = parseYamlDocuments(text, 'web.yaml');
  assert.ok(doc);
  assert.throws(() => validateDocument(ApplicationSchema, doc, 'web.yaml'), (error: unknown) => {
    assert.ok(isTrueupError(error), String(error));
    assert.deepEqual(error.location, { file: 'web.yaml', line: 10, field: 'spec.syncPolicy.syncOptions[1]' });
    return true;
  });
  const fine = validateDocument(ApplicationSchema, parseYamlDocuments(text.replace('Replace=true', 'CreateNamespace=false'), 'web.yaml')[0]!, 'web.yaml');
  assert.equal(hasSyncOption(fine.spec.syncPolicy, 'CreateNamespace'), false);
});
