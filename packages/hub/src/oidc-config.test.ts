/** `--oidc-config FILE`: a good file becomes the provider's options; each bad one is refused naming its file, line and field. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTrueupError } from '@trueup/api';
import { readOidcConfig } from './oidc-config.ts';

test('OIDC configuration files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-oidc-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'client.secret'), 's3cret\n', { mode: 0o600 });
  await writeFile(join(dir, 'empty.secret'), '\n', { mode: 0o600 });
  const write = async (name: string, text: string): Promise<string> => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };

  await t.test('YAML, with the secret from a file beside it', async () => {
    const file = await write('good.yaml', 'issuer: https://idp.example.com/realms/x\nclientId: trueup\nclientSecretFile: client.secret\nname: Example SSO\nscopes: [openid, profile, groups, offline_access]\ngroupsClaim: roles\ngroupsRefresh: 2m\ngroupsMaxAge: 8h\n');
    assert.deepEqual(await readOidcConfig(file), {
      issuer: 'https://idp.example.com/realms/x', clientId: 'trueup', clientSecret: 's3cret', name: 'Example SSO', scopes: 'openid profile groups offline_access', groupsClaim: 'roles', groupsRefreshMs: 120_000, groupsMaxAgeMs: 8 * 3_600_000,
    });
  });

  await t.test('JSON, the least there is', async () => {
    const file = await write('good.json', '{"issuer": "http://127.0.0.1:9000", "clientId": "trueup"}\n');
    assert.deepEqual(await readOidcConfig(file), { issuer: 'http://127.0.0.1:9000', clientId: 'trueup' });
  });

  const cases: { name: string; text: string; want: string }[] = [
    { name: 'an unknown field', text: 'issuer: https://idp.example.com\nclientId: trueup\nclientSecret: inline\n', want: 'bad.yaml:3: clientSecret: unknown field "clientSecret"' },
    { name: 'no client id', text: 'issuer: https://idp.example.com\n', want: 'bad.yaml:1: clientId: required field is missing (string)' },
    { name: 'plain http off loopback', text: 'issuer: http://idp.example.com\nclientId: trueup\n', want: 'bad.yaml:1: issuer: an issuer must use https (plain http only on a loopback address)' },
    { name: 'not a URL', text: 'clientId: trueup\nissuer: idp\n', want: 'bad.yaml:2: issuer: "idp" is not a URL' },
    { name: 'scopes without openid', text: 'issuer: https://idp.example.com\nclientId: trueup\nscopes:\n  - profile\n', want: 'bad.yaml:3: scopes: the scopes must include openid' },
    { name: 'a scope with a space', text: 'issuer: https://idp.example.com\nclientId: trueup\nscopes:\n  - openid\n  - "a b"\n', want: 'bad.yaml:5: scopes[1]: a scope is printable ASCII without spaces' },
    { name: 'a refresh period that is no duration', text: 'issuer: https://idp.example.com\nclientId: trueup\ngroupsRefresh: often\n', want: 'bad.yaml:3: groupsRefresh: "often" is not a duration such as 5m or 1h' },
    { name: 'a refresh period too short', text: 'issuer: https://idp.example.com\nclientId: trueup\ngroupsRefresh: 1s\n', want: 'bad.yaml:3: groupsRefresh: must be between 10s and 24h' },
    { name: 'a maximum age too long', text: 'issuer: https://idp.example.com\nclientId: trueup\ngroupsMaxAge: 1000h\n', want: 'bad.yaml:3: groupsMaxAge: must be between 1m and 720h' },
    { name: 'a maximum age that is no duration', text: 'issuer: https://idp.example.com\nclientId: trueup\ngroupsMaxAge: 1d\n', want: 'bad.yaml:3: groupsMaxAge: "1d" is not a duration such as 5m or 1h' },
    { name: 'a secret file that is not there', text: 'issuer: https://idp.example.com\nclientId: trueup\nclientSecretFile: nope.secret\n', want: `bad.yaml:3: clientSecretFile: cannot read ${join(dir, 'nope.secret')}: ENOENT` },
    { name: 'an empty secret file', text: 'issuer: https://idp.example.com\nclientId: trueup\nclientSecretFile: empty.secret\n', want: `bad.yaml:3: clientSecretFile: ${join(dir, 'empty.secret')} is empty` },
    { name: 'not YAML', text: 'issuer: [https://idp\nclientId: x\n', want: 'bad.yaml:' },
    { name: 'an empty file', text: '', want: 'bad.yaml:1: the file is empty: it needs issuer and clientId' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const file = await write('bad.yaml', c.text);
      const error = await readOidcConfig(file).then(() => undefined, (e: unknown) => e);
      assert.ok(isTrueupError(error), String(error));
      assert.ok(error.describe().startsWith(`${dir}/${c.want}`), `${error.describe()}\nwanted: ${c.want}`);
    });
  }
});
