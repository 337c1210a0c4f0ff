import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTrailers, digestsOf, isTrueupCommit, onlyTrueupCommits, parseTrailers } from './trailers.ts';

const digest = `sha256:${'c'.repeat(64)}`;
const bot = `Set image.tag to 1.5.0 in values.yaml\n\n- values.yaml: image.tag 1.4.2 → 1.5.0\n\nTrueup-Automated: true\nTrueup-Source: gitops-set\nTrueup-Run: 42\n`;

test('trailers: the automated commit carries source, run and each digest once', () => {
  assert.deepEqual(buildTrailers({ source: 'ci\nnext', run: '42' }, [`web@${digest}`, digest, 'plain']), [
    'Trueup-Automated: true', 'Trueup-Source: ci next', 'Trueup-Run: 42', `Trueup-Digest: ${digest}`,
  ]);
  assert.deepEqual(buildTrailers({ source: 'adopt' }, ['1.2.3']), ['Trueup-Automated: true', 'Trueup-Source: adopt']);
  assert.deepEqual(digestsOf([`sha256:${'A'.repeat(64)}`, 'sha256:abc']), []);
});

test('trailers: parsed from the last paragraph only, when all its lines are trailers', () => {
  assert.deepEqual([...parseTrailers(bot)], [['Trueup-Automated', ['true']], ['Trueup-Source', ['gitops-set']], ['Trueup-Run', ['42']]]);
  assert.deepEqual([...parseTrailers('Trueup-Automated: true')], [], 'a subject is not a trailer');
  assert.deepEqual([...parseTrailers('fix\n\nTrueup-Automated: true\nsee the ticket')], [], 'a paragraph of prose is not trailers');
  assert.deepEqual([...parseTrailers('fix\r\n\r\nSigned-off-by: A <a@b>\r\nSigned-off-by: B <b@c>\r\n')], [['Signed-off-by', ['A <a@b>', 'B <b@c>']]]);
});

const table: { name: string; messages: string[]; want: boolean }[] = [
  { name: 'one Trueup commit', messages: [bot], want: true },
  { name: 'several Trueup commits', messages: [bot, bot.replace('42', '43')], want: true },
  { name: 'a person amid Trueup commits', messages: [bot, 'fix the probe\n'], want: false },
  { name: 'a person quoting the trailer in the subject', messages: ['Trueup-Automated: true\n'], want: false },
  { name: 'a person quoting it in the body', messages: ['revert\n\nThis undoes the commit with\nTrueup-Automated: true\n'], want: false },
  { name: 'automated: false', messages: [bot.replace('Automated: true', 'Automated: false')], want: false },
  { name: 'the key in another case', messages: [bot.replace('Trueup-Automated', 'trueup-automated')], want: true },
  { name: 'no commits (a deletion or a rewind)', messages: [], want: false },
];
for (const { name, messages, want } of table) {
  test(`only Trueup: ${name}`, () => {
    assert.equal(onlyTrueupCommits(messages), want);
    if (messages.length === 1) assert.equal(isTrueupCommit(messages[0] ?? ''), want);
  });
}
