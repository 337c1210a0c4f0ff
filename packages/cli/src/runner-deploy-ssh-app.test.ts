/**
 * `trueup/deploy` of an Application to a Linux host over SSH, against a real sshd: the runner
 * sends a bundle of the pinned revision and the host's own `trueup sync -o json` applies it, so
 * the files it writes are byte for byte those a local `trueup sync` of the same Application
 * writes; the step's output is that status JSON and the deployment is in the ledger. A host key
 * other than the pinned one is refused, and a host without trueup gets a clear error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createWorkRepo, hostManifest, requireGit, requireSshd, startSshd } from '@trueup/testkit';
import { MAIN } from './cli-testing.ts';
import { dispatch, finished, hubForRunners, sshDeploySecrets, startRunner, trueup } from './runner-testing.ts';

const execFileAsync = promisify(execFile);

interface Ledger { items: { kind: string; environment: string; details: Record<string, unknown> }[] }

/** Every entry under `root`: its path, type, permission bits and bytes (or link target). */
async function tree(root: string, dir = ''): Promise<string[]> {
  const entries: string[] = [];
  for (const name of (await readdir(join(root, dir))).sort()) {
    const path = join(dir, name);
    const info = await lstat(join(root, path));
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) entries.push(`${path} link ${await readlink(join(root, path))}`);
    else if (info.isDirectory()) entries.push(`${path} dir ${mode}`, ...(await tree(root, path)));
    else entries.push(`${path} file ${mode} ${(await readFile(join(root, path))).toString('base64')}`);
  }
  return entries;
}

const application = (repoDir: string, root: string): string => `apiVersion: trueup.dev/v1alpha1
kind: Application
metadata: { name: web }
spec:
  source: { repoURL: "file://${repoDir}", ref: main, path: hosts/web }
  destination: { host: { root: "${root}" } }
  syncPolicy: { automated: { prune: true } }
`;

test('an Application pushed over SSH is applied by the host\'s trueup sync: the same bytes as a local sync, its JSON as output, in the ledger; a wrong host key and a missing trueup are refused clearly', async (t) => {
  if (!(await requireGit(t)) || !(await requireSshd(t))) return;
  const setup = await hubForRunners(t);
  const { dir, client } = setup;
  const sshd = await startSshd({ dir: join(dir, 'sshd') });
  t.after(() => sshd.close());
  const user = (await execFileAsync('id', ['-un'])).stdout.trim();
  const target = `ssh://${user}@127.0.0.1:${sshd.port}`;
  // The host's trueup: this build of the command line.
  const hostTrueup = join(dir, 'host-bin', 'trueup');
  await mkdir(join(dir, 'host-bin'));
  await writeFile(hostTrueup, `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`);
  await chmod(hostTrueup, 0o755);
  const pushedRoot = join(dir, 'pushed-root');
  const pulledRoot = join(dir, 'pulled-root');
  const repo = await createWorkRepo(join(dir, 'repo'));
  const deployJob = (key: string, environment: string, trueupPath: string): string => `
  ${key}:
    runs-on: linux
    environment: ${environment}
    steps:
      - uses: actions/checkout@v4
      - id: push
        uses: trueup/deploy
        with:
          application: deploy/web.yaml
          target: ${target}
          trueup: ${trueupPath}
          state-dir: ${join(dir, 'host-state')}
          timeout: 60s
      - run: echo "pushed \${{ steps.push.outputs.revision }} \${{ steps.push.outputs.sync }} \${{ steps.push.outputs.health }}"
      - run: echo '\${{ steps.push.outputs.status }}' > "$RUNNER_TEMP/status.json" && grep -q '"name":"web"' "$RUNNER_TEMP/status.json" && echo "status JSON of web"
`;
  await repo.write({
    'hosts/web/site.yaml': [
      hostManifest('Directory', 'srv', { path: '/srv/web', mode: '0750' }),
      hostManifest('File', 'index', { path: '/srv/web/index.html', content: '<h1>web</h1>\n', mode: '0644' }),
      hostManifest('File', 'secret-config', { path: '/srv/web/app.conf', content: 'port = 8080\nworkers = 4\n', mode: '0600' }),
      hostManifest('File', 'logo', { path: '/srv/web/logo.bin', source: 'logo.bin' }),
      hostManifest('Symlink', 'current', { path: '/srv/current', target: 'web' }),
    ].join(''),
    'deploy/web.yaml': application(repo.dir, pushedRoot),
    '.trueup/workflows/push.yml': `on: workflow_dispatch
jobs:${deployJob('deploy', 'web', hostTrueup)}${deployJob('no-trueup', 'web', join(dir, 'nowhere', 'trueup'))}${deployJob('spoofed', 'spoofed', hostTrueup)}`,
  });
  // Bytes that are not UTF-8.
  await writeFile(join(repo.dir, 'hosts/web/logo.bin'), Buffer.from([0, 255, 1, 254, 10, 13, 128]));
  const sha = await repo.commit('web');
  await sshDeploySecrets(client, repo.dir, sshd, dir);
  const runner = await startRunner(t, dir, 'r1', 'linux');
  const runId = await dispatch(setup, repo.dir, 'push');
  const done = await finished(client, runId);
  const log = (job: string): Promise<string> => client.get<string>(`/api/v1/runs/${runId}/jobs/${job}/log`);
  assert.deepEqual(Object.fromEntries(done.jobs.map((j) => [j.key, j.conclusion])), { deploy: 'success', 'no-trueup': 'failure', spoofed: 'failure' }, `${await log('deploy')}\n${runner.output()}`);
  assert.match(await log('deploy'), new RegExp(`pushed ${sha} Synced Healthy`));
  assert.match(await log('deploy'), /status JSON of web/);
  assert.match(await log('no-trueup'), /trueup is not installed on 127\.0\.0\.1 \(no ".*nowhere\/trueup" on the PATH of the SSH user\): install it there, or give its path in the step's "trueup" input/);
  assert.match(await log('spoofed'), /the host key of 127\.0\.0\.1:\d+ is not the one pinned in the environment's known hosts: refused/);
  assert.doesNotMatch(await log('deploy'), /PRIVATE KEY/);

  // The same Application, applied by a local one-shot sync into a second root.
  await writeFile(join(dir, 'pulled.yaml'), application(repo.dir, pulledRoot));
  const local = await trueup(['sync', join(dir, 'pulled.yaml'), '-o', 'json', '--state-dir', join(dir, 'local-state')]);
  assert.equal(local.code, 0, local.stderr);
  const [localStatus] = (JSON.parse(local.stdout) as { applications: { revision: string; sync: string }[] }).applications;
  assert.equal(localStatus?.revision, sha);
  const pushed = await tree(pushedRoot);
  assert.ok(pushed.some((entry) => /^srv\/web\/logo\.bin file \d+ AP8B\/goNgA==$/.test(entry)), pushed.join('\n'));
  assert.ok(pushed.includes('srv/web/app.conf file 600 ' + Buffer.from('port = 8080\nworkers = 4\n').toString('base64')), pushed.join('\n'));
  assert.deepEqual(pushed, await tree(pulledRoot));

  const ledger = await client.get<Ledger>('/api/v1/events?kind=deployment&limit=100');
  const entries = ledger.items.map((e) => [e.environment, e.details.job, e.details.target, e.details.application, e.details.appliedRevision, e.details.result]);
  assert.deepEqual(entries.sort(), [
    ['spoofed', 'spoofed', target, 'web', sha, 'failed'],
    ['web', 'deploy', target, 'web', sha, 'succeeded'],
    ['web', 'no-trueup', target, 'web', sha, 'failed'],
  ]);
});
