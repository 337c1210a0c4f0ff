import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseStepRequest } from './release-api.ts';

test('trueup/release inputs: NAME=VALUE lines or words; each wrong entry named', () => {
  assert.deepEqual(releaseStepRequest({ promotion: 'web', values: 'image=registry.local/web@sha256:ab\nchart=1.2.0\n' }), { promotion: 'web', values: { image: 'registry.local/web@sha256:ab', chart: '1.2.0' } });
  assert.deepEqual(releaseStepRequest({ promotion: ' web ', values: 'a=1 b=x=y' }), { promotion: 'web', values: { a: '1', b: 'x=y' } });
  const cases = [
    { withs: { values: 'a=1' }, says: /input "promotion" is required/ },
    { withs: { promotion: 'web' }, says: /input "values" is required/ },
    { withs: { promotion: 'web', values: 'a=1\nb' }, says: /"values" entry 2 \("b"\) is not NAME=VALUE/ },
    { withs: { promotion: 'web', values: 'a=' }, says: /entry 1 \("a="\)/ },
    { withs: { promotion: 'web', values: 'a=1 a=2' }, says: /names "a" twice/ },
    { withs: { promotion: 'Web!', values: 'a=1' }, says: /lower case/ },
  ];
  for (const { withs, says } of cases) assert.throws(() => releaseStepRequest(withs), says);
});
