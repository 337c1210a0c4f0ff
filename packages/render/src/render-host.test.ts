import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST_API_VERSION, keyId, type DesiredObject } from '@trueup/api';
import { describeRender } from './describe.ts';
import { SOURCE_ANNOTATION } from './desired.ts';
import { renderHostManifests } from './render-host.ts';
import { fixture, hostDoc, scratchRepo } from './test-helpers.ts';

const VALID = fixture('valid');
const find = (objects: DesiredObject[], kind: string, name: string): DesiredObject => {
  const found = objects.find((object) => object.key.kind === kind && object.key.name === name);
  assert.ok(found, `${kind}/${name} rendered`);
  return found;
};

test('nested multi-document manifests render sorted by kind order, then name', async () => {
  const objects = await renderHostManifests({ checkoutDir: VALID, path: 'hosts/web' });
  assert.deepEqual(objects.map((object) => `${object.key.kind}/${object.key.name}`), [
    'Directory/app-home', 'Directory/app-logs',
    'File/app-config', 'File/common', 'File/logo', 'File/motd',
    'Symlink/current', 'Command/migrate', 'Service/app',
  ]);
  for (const object of objects) {
    assert.equal(object.key.apiVersion, HOST_API_VERSION);
    assert.equal(object.manifest.apiVersion, HOST_API_VERSION);
    assert.deepEqual(object.key, { apiVersion: HOST_API_VERSION, kind: object.manifest.kind, name: object.manifest.metadata.name });
  }
});

test('origins name the repo-relative file and the line each document starts on', async () => {
  const objects = await renderHostManifests({ checkoutDir: VALID, path: 'hosts/web' });
  const origins = Object.fromEntries(objects.map((object) => [`${object.key.kind}/${object.key.name}`, `${object.origin.file}:${object.origin.line}`]));
  assert.deepEqual(origins, {
    'Directory/app-home': 'hosts/web/dirs.yaml:2',
    'Directory/app-logs': 'hosts/web/dirs.yaml:9',
    'File/motd': 'hosts/web/files.yaml:1',
    'File/logo': 'hosts/web/files.yaml:9',
    'File/app-config': 'hosts/web/files.yaml:20',
    'File/common': 'hosts/web/files.yaml:31',
    'Symlink/current': 'hosts/web/links.json:1',
    'Service/app': 'hosts/web/services/app.yml:1',
    'Command/migrate': 'hosts/web/services/app.yml:12',
  });
});

test('defaults and normal forms: modes of 4 digits, clean paths, schema defaults', async () => {
  const objects = await renderHostManifests({ checkoutDir: VALID, path: 'hosts/web' });
  assert.deepEqual(find(objects, 'Directory', 'app-home').manifest.spec, { path: '/opt/app', mode: '0755' });
  assert.deepEqual(find(objects, 'Directory', 'app-logs').manifest, {
    apiVersion: HOST_API_VERSION, kind: 'Directory', metadata: { name: 'app-logs', labels: { tier: 'web' } },
    spec: { path: '/var/log/app', mode: '0750', owner: 'app', group: 1000 },
  });
  assert.deepEqual(find(objects, 'File', 'app-config').manifest.spec, { path: '/opt/app/config.ini', content: '[server]\nport = 8080\n', mode: '0640' });
  assert.deepEqual(find(objects, 'Command', 'migrate').manifest.spec, { run: '/opt/app/bin/migrate', creates: '/opt/app/.migrated', timeout: '5m' });
  assert.deepEqual(find(objects, 'Symlink', 'current').manifest.spec, { path: '/opt/current', target: '../opt/app' });
  assert.deepEqual(find(objects, 'Service', 'app').manifest.spec, {
    command: ['/opt/app/bin/server', '--port', '8080'], workingDir: '/opt/app', restart: 'always',
    backoff: { duration: '1s', factor: 2, maxDuration: '30s' }, stopSignal: 'SIGTERM', stopTimeout: '10s',
    onChange: ['File/app-config', 'Command/migrate'],
  });
});

test('source files become content: UTF-8 as text, other bytes as base64, the source annotated', async () => {
  const objects = await renderHostManifests({ checkoutDir: VALID, path: 'hosts/web' });
  assert.deepEqual(find(objects, 'File', 'motd').manifest, {
    apiVersion: HOST_API_VERSION, kind: 'File',
    metadata: { name: 'motd', annotations: { [SOURCE_ANNOTATION]: 'hosts/web/files/motd.txt' } },
    spec: { path: '/etc/motd', mode: '0644', content: 'Welcome to web — managed by Trueup.\n' },
  });
  const logo = find(objects, 'File', 'logo').manifest;
  assert.deepEqual(logo.metadata.annotations, { owner: 'design', [SOURCE_ANNOTATION]: 'hosts/web/files/logo.bin' });
  assert.equal(logo.spec?.encoding, 'base64');
  assert.deepEqual(Buffer.from(String(logo.spec?.content), 'base64'), Buffer.from('\x89PNG\r\n\x1a\n\x00\xff\xfe\x80binary', 'latin1'));
  assert.equal('source' in (logo.spec ?? {}), false);
  // A source anywhere in the checkout is fine, even outside the render path.
  assert.equal(find(objects, 'File', 'common').manifest.metadata.annotations?.[SOURCE_ANNOTATION], 'shared/common.conf');
});

test('the path scopes the render; "." reads the whole checkout and skips dot-files and dot-folders', async () => {
  const db = await renderHostManifests({ checkoutDir: VALID, path: 'hosts/db' });
  assert.deepEqual(db.map((object) => keyId(object.key)), [`${HOST_API_VERSION}/Directory//db-data`]);
  assert.equal(db[0]?.origin.file, 'hosts/db/db.yaml');
  const all = await renderHostManifests({ checkoutDir: VALID });
  assert.equal(all.length, 10);
  assert.deepEqual(await renderHostManifests({ checkoutDir: VALID, path: './hosts/../hosts/db/' }), db);
});

test('the same checkout renders deep-equal output every time', async () => {
  const first = await renderHostManifests({ checkoutDir: VALID, path: '.' });
  for (let run = 0; run < 3; run++) assert.deepEqual(await renderHostManifests({ checkoutDir: VALID, path: '.' }), first);
});

test('symlinks inside the checkout are followed for sources and manifests', async () => {
  const scratch = await scratchRepo();
  try {
    await scratch.write('real/motd.txt', 'hello\n');
    await scratch.link('hosts/motd.txt', '../real/motd.txt');
    await scratch.write('manifests/files.yaml', hostDoc('File', 'motd', 'path: /etc/motd\nsource: ../hosts/motd.txt'));
    await scratch.link('hosts/files.yaml', '../manifests/files.yaml');
    await scratch.link('hosts/linked-folder', '../manifests'); // folders reached by symlink are not walked
    const objects = await renderHostManifests({ checkoutDir: scratch.repo, path: 'hosts' });
    assert.equal(objects.length, 1);
    assert.equal(objects[0]?.origin.file, 'hosts/files.yaml');
    assert.equal(objects[0]?.manifest.spec?.content, 'hello\n');
    assert.equal(objects[0]?.manifest.metadata.annotations?.[SOURCE_ANNOTATION], 'hosts/motd.txt');
  } finally {
    await scratch.remove();
  }
});

test('an empty folder renders nothing; .git and other dot-entries are never read', async () => {
  const scratch = await scratchRepo();
  try {
    await scratch.write('hosts/README.md', 'nothing here\n');
    await scratch.write('.git/config.yaml', 'not: [yaml\n');
    await scratch.write('hosts/.trueup/state.json', '{ broken');
    assert.deepEqual(await renderHostManifests({ checkoutDir: scratch.repo }), []);
    assert.deepEqual(await renderHostManifests({ checkoutDir: scratch.repo, path: 'hosts' }), []);
  } finally {
    await scratch.remove();
  }
});

test('describeRender counts objects per kind and files', async () => {
  const objects = await renderHostManifests({ checkoutDir: VALID, path: 'hosts/web' });
  assert.deepEqual(describeRender(objects), {
    objects: 9, files: 4, kinds: { Directory: 2, File: 4, Symlink: 1, Command: 1, Service: 1 },
    text: '9 objects from 4 files: 2 Directory, 4 File, 1 Symlink, 1 Command, 1 Service',
  });
  assert.equal(describeRender([]).text, '0 objects from 0 files');
});

test('1,000 source files across 50 manifests render quickly', async (t) => {
  const scratch = await scratchRepo();
  try {
    for (let m = 0; m < 50; m++) {
      const docs: string[] = [];
      for (let f = 0; f < 20; f++) {
        await scratch.write(`apps/app-${m}/files/f-${f}.conf`, `app ${m} file ${f}\n`.repeat(20));
        docs.push(hostDoc('File', `app-${m}-f-${f}`, `path: /etc/app-${m}/f-${f}.conf\nsource: files/f-${f}.conf\nmode: "600"`));
      }
      await scratch.write(`apps/app-${m}/files.yaml`, docs.join('---\n'));
    }
    await renderHostManifests({ checkoutDir: scratch.repo }); // warm up
    const started = performance.now();
    const objects = await renderHostManifests({ checkoutDir: scratch.repo });
    const elapsed = performance.now() - started;
    t.diagnostic(`rendered ${objects.length} objects in ${elapsed.toFixed(1)} ms`);
    assert.equal(objects.length, 1000);
    assert.ok(elapsed < 5000, `took ${elapsed} ms`); // a hang guard; the benchmark measures speed
  } finally {
    await scratch.remove();
  }
});
