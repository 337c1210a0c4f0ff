import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RenderLimitOverrides } from './limits.ts';
import { renderHostManifests } from './render-host.ts';
import { captureError, fixture, hostDoc, scratchRepo } from './test-helpers.ts';

interface Case {
  name: string;
  /** A folder of testdata/bad, or `valid:` for testdata/valid. */
  repo: string;
  path?: string;
  limits?: RenderLimitOverrides;
  want: { code: string; file?: string; line?: number; field?: string };
  message?: RegExp;
}

const cases: Case[] = [
  { name: 'invalid YAML', repo: 'invalid-yaml', want: { code: 'API_YAML_INVALID', file: 'hosts/web.yaml', line: 7 } },
  { name: 'unknown kind', repo: 'unknown-kind', want: { code: 'API_KIND_UNKNOWN', file: 'hosts/web.yaml', line: 9, field: 'kind' }, message: /"Fiel".*File, Directory/ },
  { name: 'a Kubernetes object among host manifests', repo: 'kubernetes-object', want: { code: 'API_KIND_UNKNOWN', file: 'hosts/cm.yaml', line: 1, field: 'apiVersion' }, message: /host\.trueup\.dev\/v1alpha1/ },
  { name: 'unknown spec field', repo: 'unknown-field', want: { code: 'API_FIELD_UNKNOWN', file: 'hosts/web/files.yaml', line: 8, field: 'spec.mdoe' } },
  { name: 'unknown top-level field', repo: 'unknown-top-level', want: { code: 'API_FIELD_UNKNOWN', file: 'hosts/web.yaml', line: 7, field: 'status' } },
  { name: 'unknown metadata field', repo: 'unknown-metadata', want: { code: 'API_FIELD_UNKNOWN', file: 'hosts/web.yaml', line: 5, field: 'metadata.namespace' } },
  { name: 'name not DNS-1123', repo: 'bad-name', want: { code: 'API_FIELD_INVALID', file: 'hosts/web.yaml', line: 4, field: 'metadata.name' } },
  { name: 'unquoted mode', repo: 'mode-unquoted', want: { code: 'API_FIELD_INVALID', file: 'hosts/web.yaml', line: 8, field: 'spec.mode' }, message: /quote.*number 644/ },
  { name: 'relative host path', repo: 'relative-path', want: { code: 'API_FIELD_INVALID', file: 'hosts/web.yaml', line: 6, field: 'spec.path' } },
  { name: 'both content and source', repo: 'content-and-source', want: { code: 'API_FIELD_INVALID', file: 'hosts/web.yaml', line: 5, field: 'spec' }, message: /exactly one of content and source/ },
  { name: 'a document that is not a mapping', repo: 'not-a-mapping', want: { code: 'API_FIELD_INVALID', file: 'hosts/web.yaml', line: 1, field: '' } },
  {
    name: 'duplicate Kind/name across files', repo: 'duplicate-name',
    want: { code: 'API_DUPLICATE_NAME', file: 'hosts/b/b.yaml', line: 11, field: 'metadata.name' }, message: /File\/motd .*hosts\/a\.yaml:4 .*hosts\/b\/b\.yaml:11/,
  },
  {
    name: 'duplicate path after normalization', repo: 'duplicate-path',
    want: { code: 'RENDER_DUPLICATE_PATH', file: 'hosts/web.yaml', line: 14, field: 'spec.path' }, message: /\/etc\/motd .*File\/motd at hosts\/web\.yaml:6 .*Symlink\/motd-link at hosts\/web\.yaml:14/,
  },
  { name: 'missing source', repo: 'missing-source', want: { code: 'RENDER_SOURCE_NOT_FOUND', file: 'hosts/web/files.yaml', line: 8, field: 'spec.source' }, message: /hosts\/web\/files\/motd\.txt/ },
  { name: 'source escaping with ..', repo: 'source-escapes', want: { code: 'RENDER_SOURCE_ESCAPES_REPO', file: 'hosts/web.yaml', line: 7, field: 'spec.source' } },
  { name: 'absolute source', repo: 'source-absolute', want: { code: 'RENDER_SOURCE_ESCAPES_REPO', file: 'hosts/web.yaml', line: 7, field: 'spec.source' } },
  { name: 'source is a folder', repo: 'source-folder', want: { code: 'RENDER_SOURCE_NOT_FOUND', file: 'hosts/web.yaml', line: 7, field: 'spec.source' }, message: /a folder/ },
  { name: 'onChange naming a missing object', repo: 'on-change-missing', want: { code: 'RENDER_REFERENCE_UNKNOWN', file: 'hosts/web.yaml', line: 17, field: 'spec.onChange[1]' }, message: /File\/app-secrets/ },
  { name: 'bytes that are not UTF-8', repo: 'not-utf8', want: { code: 'API_YAML_INVALID', file: 'hosts/web.yaml', line: 8 }, message: /not valid UTF-8: byte 0xff at column 15/ },
  { name: 'alias bomb', repo: 'alias-bomb', want: { code: 'API_YAML_LIMIT', file: 'hosts/bomb.yaml', line: 1 } },
  { name: 'nesting too deep', repo: 'too-deep', want: { code: 'API_YAML_LIMIT', file: 'hosts/deep.yaml', line: 8 }, message: /deeper than 64/ },
  { name: 'too many documents in a file', repo: 'many-documents', limits: { yaml: { maxDocuments: 2 } }, want: { code: 'API_YAML_LIMIT', file: 'hosts/dirs.yaml' }, message: /more than 2 documents/ },
  { name: 'manifest file too large', repo: 'many-documents', limits: { yaml: { maxBytes: 100 } }, want: { code: 'API_YAML_LIMIT', file: 'hosts/dirs.yaml' } },
  { name: 'path not found', repo: 'valid:', path: 'hosts/nope', want: { code: 'RENDER_PATH_NOT_FOUND', file: 'hosts/nope' }, message: /hosts\/nope/ },
  { name: 'path is a file', repo: 'valid:', path: 'hosts/db/db.yaml', want: { code: 'RENDER_PATH_NOT_FOUND', file: 'hosts/db/db.yaml' }, message: /not a folder/ },
  { name: 'path climbing out with ..', repo: 'valid:', path: 'hosts/../../bad', want: { code: 'RENDER_PATH_ESCAPES_REPO', file: 'hosts/../../bad' } },
  { name: 'absolute path', repo: 'valid:', path: '/etc', want: { code: 'RENDER_PATH_ESCAPES_REPO', file: '/etc' } },
  { name: 'too many files', repo: 'valid:', limits: { maxFiles: 3 }, want: { code: 'RENDER_LIMIT', file: '.' }, message: /more than 3 manifest files/ },
  { name: 'too many objects', repo: 'valid:', path: 'hosts/web', limits: { maxObjects: 3 }, want: { code: 'RENDER_LIMIT', file: 'hosts/web/files.yaml', line: 9 }, message: /more than 3 objects/ },
  { name: 'source file too large', repo: 'valid:', path: 'hosts/web', limits: { maxSourceBytes: 10 }, want: { code: 'RENDER_LIMIT', file: 'hosts/web/files.yaml', line: 7, field: 'spec.source' } },
  { name: 'source files too large together', repo: 'valid:', path: 'hosts/web', limits: { maxTotalSourceBytes: 40 }, want: { code: 'RENDER_LIMIT', file: 'hosts/web/files.yaml', line: 17, field: 'spec.source' } },
];

for (const c of cases) {
  test(`bad input: ${c.name}`, async () => {
    const checkoutDir = c.repo.startsWith('valid:') ? fixture('valid') : fixture('bad', c.repo);
    const error = await captureError(renderHostManifests({ checkoutDir, path: c.path ?? '.', ...(c.limits === undefined ? {} : { limits: c.limits }) }));
    const { message, ...where } = error;
    assert.deepEqual(where, c.want, message);
    if (c.message !== undefined) assert.match(message, c.message);
  });
}

const symlinkCases: { name: string; setup: (s: Awaited<ReturnType<typeof scratchRepo>>) => Promise<void>; path?: string; want: Case['want'] }[] = [
  {
    name: 'source symlink leading out of the checkout',
    setup: async (s) => {
      await s.write('hosts/web.yaml', hostDoc('File', 'secret', 'path: /etc/secret\nsource: files/secret.txt'));
      await s.link('hosts/files/secret.txt', '../../../outside/secret.txt');
    },
    want: { code: 'RENDER_SOURCE_ESCAPES_REPO', file: 'hosts/web.yaml', line: 7, field: 'spec.source' },
  },
  {
    name: 'source below a symlinked folder leading out of the checkout',
    setup: async (s) => {
      await s.write('hosts/web.yaml', hostDoc('File', 'secret', 'path: /etc/secret\nsource: files/secret.txt'));
      await s.link('hosts/files', '../../outside');
    },
    want: { code: 'RENDER_SOURCE_ESCAPES_REPO', file: 'hosts/web.yaml', line: 7, field: 'spec.source' },
  },
  {
    name: 'path symlink leading out of the checkout',
    setup: (s) => s.link('hosts', '../outside'),
    path: 'hosts',
    want: { code: 'RENDER_PATH_ESCAPES_REPO', file: 'hosts' },
  },
  {
    name: 'manifest symlink leading out of the checkout',
    setup: (s) => s.link('hosts/evil.yaml', '../../outside/evil.yaml'),
    want: { code: 'RENDER_PATH_ESCAPES_REPO', file: 'hosts/evil.yaml' },
  },
  {
    name: 'dangling manifest symlink',
    setup: (s) => s.link('hosts/gone.yaml', 'nowhere.yaml'),
    want: { code: 'RENDER_PATH_NOT_FOUND', file: 'hosts/gone.yaml' },
  },
];

for (const c of symlinkCases) {
  test(`bad input: ${c.name}`, async () => {
    const scratch = await scratchRepo();
    try {
      await scratch.write('../outside/secret.txt', 'root:x:0:0\n');
      await scratch.write('../outside/evil.yaml', hostDoc('Directory', 'evil', 'path: /evil'));
      await c.setup(scratch);
      const { message, ...where } = await captureError(renderHostManifests({ checkoutDir: scratch.repo, path: c.path ?? '.' }));
      assert.deepEqual(where, c.want, message);
      assert.doesNotMatch(message, new RegExp(scratch.root.replaceAll(/[\\^$.*+?()[\]{}|]/g, '\\$&')), 'no absolute paths in messages');
    } finally {
      await scratch.remove();
    }
  });
}

test('the first error in file order wins, whatever the read timing', async () => {
  const scratch = await scratchRepo();
  try {
    for (let i = 0; i < 40; i++) await scratch.write(`hosts/f-${String(i).padStart(2, '0')}.yaml`, hostDoc('Directory', `d${i}`, `path: /srv/d${i}`));
    await scratch.write('hosts/f-17.yaml', hostDoc('Directory', 'd17', 'path: relative'));
    await scratch.write('hosts/f-31.yaml', hostDoc('Fiel', 'x', 'path: /x'));
    for (let run = 0; run < 3; run++) {
      assert.deepEqual((await captureError(renderHostManifests({ checkoutDir: scratch.repo }))).file, 'hosts/f-17.yaml');
    }
  } finally {
    await scratch.remove();
  }
});

test('limits are checked when given', async () => {
  await assert.rejects(renderHostManifests({ checkoutDir: fixture('valid'), limits: { maxObjects: -1 } }), RangeError);
});
