import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeHostPath, normalizeMode } from './normalize.ts';

test('modes normalize to 4 octal digits', () => {
  const table: [string, string][] = [['644', '0644'], ['0644', '0644'], ['755', '0755'], ['1755', '1755'], ['01755', '1755'], ['000', '0000']];
  for (const [mode, want] of table) assert.equal(normalizeMode(mode), want, mode);
});

test('host paths normalize, except where .. would climb above the root', () => {
  const table: [string, string][] = [
    ['/etc/motd', '/etc/motd'],
    ['/etc//motd', '/etc/motd'],
    ['/etc/./motd', '/etc/motd'],
    ['/etc/motd/', '/etc/motd'],
    ['/opt/app/../app/bin', '/opt/app/bin'],
    ['/', '/'],
    ['//', '/'],
    ['/a/..', '/'],
    // Kept as written: the host provider rejects them (HOST_PATH_ESCAPES_ROOT), render does not clamp.
    ['/../etc/passwd', '/../etc/passwd'],
    ['/etc/../../passwd', '/etc/../../passwd'],
    ['/a/./../..', '/a/./../..'],
  ];
  for (const [hostPath, want] of table) assert.equal(normalizeHostPath(hostPath), want, hostPath);
});
