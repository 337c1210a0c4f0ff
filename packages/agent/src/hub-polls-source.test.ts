/** Which sources a polling hub covers, so the agent's own look at Git may slow to the fallback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hubPollsSource } from './source-fetch.ts';

test('hubPollsSource: anonymous HTTP(S) Git only', () => {
  const cases: [string, { repoURL: string; credentials?: unknown; chart?: unknown }, boolean][] = [
    ['https', { repoURL: 'https://git.example.com/ops/config.git' }, true],
    ['http on loopback', { repoURL: 'http://127.0.0.1:8080/config.git' }, true],
    ['credentials from files: the hub holds none', { repoURL: 'https://git.example.com/ops/config.git', credentials: { tokenFile: 't' } }, false],
    ['a password in the URL', { repoURL: 'https://u:p@git.example.com/ops/config.git' }, false],
    ['ssh', { repoURL: 'ssh://git@git.example.com/ops/config.git' }, false],
    ['scp-like', { repoURL: 'git@git.example.com:ops/config.git' }, false],
    ['file', { repoURL: 'file:///srv/git/config.git' }, false],
    ['a Helm chart', { repoURL: 'https://charts.example.com', chart: 'web' }, false],
  ];
  for (const [name, source, want] of cases) assert.equal(hubPollsSource(source), want, name);
});
