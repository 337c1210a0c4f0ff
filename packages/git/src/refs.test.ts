import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { checkRef, cleanSourcePath, lsRemotePatterns, pickRemoteRef } from './refs.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const T = 'd'.repeat(40);

test('pickRemoteRef finds exact branches and peels annotated tags', () => {
  const output = [
    `${A}\tHEAD`,
    `${B}\trefs/heads/feature/main`,
    `${A}\trefs/heads/main`,
    `${T}\trefs/tags/v1`,
    `${C}\trefs/tags/v1^{}`,
    `${B}\trefs/tags/light`,
    `${C}\trefs/tags/main`,
  ].join('\n');
  const cases: Array<{ ref: string; want: { name: string; sha: string } | undefined }> = [
    { ref: 'main', want: { name: 'refs/heads/main', sha: A } },
    { ref: 'v1', want: { name: 'refs/tags/v1', sha: C } },
    { ref: 'light', want: { name: 'refs/tags/light', sha: B } },
    { ref: 'refs/tags/main', want: { name: 'refs/tags/main', sha: C } },
    { ref: 'HEAD', want: { name: 'HEAD', sha: A } },
    { ref: 'feature', want: undefined },
    { ref: 'missing', want: undefined },
  ];
  for (const { ref, want } of cases) assert.deepEqual(pickRemoteRef(output, ref), want, ref);
});

test('lsRemotePatterns asks for the branch, the tag and its peeled commit', () => {
  assert.deepEqual(lsRemotePatterns('main'), ['refs/heads/main', 'refs/tags/main', 'refs/tags/main^{}']);
  assert.deepEqual(lsRemotePatterns('refs/tags/v1'), ['refs/tags/v1', 'refs/tags/v1^{}']);
  assert.deepEqual(lsRemotePatterns('HEAD'), ['HEAD']);
});

test('checkRef refuses refs git refuses and option-like refs', () => {
  for (const ref of ['main', 'release/1.2', 'v1.0.0', 'refs/heads/x']) assert.doesNotThrow(() => checkRef(ref, 'u'));
  for (const ref of ['', '-x', '--upload-pack=sh', 'a..b', 'a b', 'x~1', 'x^', 'a:b', 'x.lock', 'x/', 'a@{1}', 'a\nb']) {
    assert.throws(() => checkRef(ref, 'u'), (error) => isTrueupError(error, 'GIT_REF_NOT_FOUND'), JSON.stringify(ref));
  }
});

test('cleanSourcePath keeps paths inside the repository', () => {
  const cases: Array<[string | undefined, string]> = [[undefined, ''], ['.', ''], ['./', ''], ['hosts/web/', 'hosts/web'], ['./a//b', 'a/b'], ['a/../b', 'b']];
  for (const [path, want] of cases) assert.equal(cleanSourcePath(path), want, String(path));
  for (const path of ['..', '../x', '/etc', 'a/../../x']) assert.throws(() => cleanSourcePath(path), (error) => isTrueupError(error, 'GIT_PATH_NOT_FOUND'), path);
});

test('a semver: ref picks the highest tag in its range, peeled, prereleases left out', () => {
  const sha = (n: number) => String(n).repeat(40);
  const output = [
    `${sha(1)}\trefs/heads/main`,
    `${sha(2)}\trefs/tags/v1.0.0`,
    `${sha(3)}\trefs/tags/v1.4.0`,
    `${sha(4)}\trefs/tags/v1.4.0^{}`,
    `${sha(5)}\trefs/tags/1.10.0`,
    `${sha(6)}\trefs/tags/v2.0.0`,
    `${sha(7)}\trefs/tags/v1.11.0-rc.1`,
    `${sha(8)}\trefs/tags/latest`,
  ].join('\n');
  assert.deepEqual(pickRemoteRef(output, 'semver:>=1.0.0 <2.0.0'), { name: 'refs/tags/1.10.0', sha: sha(5) });
  assert.deepEqual(pickRemoteRef(output, 'semver:~1.4'), { name: 'refs/tags/v1.4.0', sha: sha(4) });
  assert.deepEqual(pickRemoteRef(output, 'semver:>=1.0, <1.5'), { name: 'refs/tags/v1.4.0', sha: sha(4) }, 'a comma means and, as in Flux');
  assert.equal(pickRemoteRef(output, 'semver:>=3'), undefined);
  assert.deepEqual(lsRemotePatterns('semver:1.x'), ['refs/tags/*']);
  assert.doesNotThrow(() => checkRef('semver:>=1.0.0 <2.0.0', 'u'));
  assert.throws(() => checkRef('semver:not a range', 'u'), (error) => isTrueupError(error, 'GIT_REF_NOT_FOUND'));
});
