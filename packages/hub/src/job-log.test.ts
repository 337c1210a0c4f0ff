/** A job's log on the hub stays bounded, says what it dropped, and tells followers of each chunk and the end. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobLog } from './job-log.ts';

test('the newest bytes are kept with a note; followers get each chunk, then the end', () => {
  const log = new JobLog(10);
  const seen: (string | undefined)[] = [];
  log.follow((chunk) => seen.push(chunk));
  for (const line of ['aaaa\n', 'bbbb\n', 'cccc\n']) log.append(line);
  assert.equal(log.text(), '[trueup] 5 earlier bytes of this log are not kept by the hub\nbbbb\ncccc\n');
  log.end();
  log.append('late\n');
  assert.deepEqual(seen, ['aaaa\n', 'bbbb\n', 'cccc\n', undefined]);
  const after: (string | undefined)[] = [];
  log.follow((chunk) => after.push(chunk));
  assert.deepEqual(after, [undefined]);
});
