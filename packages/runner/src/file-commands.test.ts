import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { parseKeyValueFile, parsePathFile } from './file-commands.ts';

test('$GITHUB_OUTPUT and $GITHUB_ENV files', () => {
  const rows: { text: string; want: Record<string, string> }[] = [
    { text: '', want: {} },
    { text: 'a=1\nb=x=y\n', want: { a: '1', b: 'x=y' } },
    { text: 'empty=\n', want: { empty: '' } },
    { text: 'm<<EOF\none\ntwo\nEOF\nafter=1\n', want: { m: 'one\ntwo', after: '1' } },
    { text: 'a=1\r\nb=2\r\n', want: { a: '1', b: '2' } },
    { text: 'url=http://x/?a<<b\n', want: { url: 'http://x/?a<<b' } },
    { text: 'a=1\na=2\n', want: { a: '2' } },
  ];
  for (const row of rows) assert.deepEqual(parseKeyValueFile(row.text, 'f'), row.want, JSON.stringify(row.text));
});

test('malformed file commands are errors', () => {
  for (const text of ['no equals sign\n', 'm<<EOF\nnever ends\n', '=value\n']) {
    assert.throws(() => parseKeyValueFile(text, '$GITHUB_OUTPUT'), (error) => isTrueupError(error, 'RUNNER_FILE_COMMAND_INVALID') && error.message.startsWith('$GITHUB_OUTPUT'), JSON.stringify(text));
  }
});

test('$GITHUB_PATH', () => {
  assert.deepEqual(parsePathFile('/a\n\n /b \n'), ['/a', '/b']);
});
