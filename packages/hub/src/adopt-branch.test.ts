import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBranch } from '@trueup/gitops';
import { adoptBranchName, adoptTarget } from './adopt-branch.ts';

test('adopt branch name: the object in a name git takes', () => {
  const cases = [
    { args: ['prod', 'web', 'File', 'motd', 'a1b2c3d4e5'], want: 'trueup/adopt/prod-web-file-motd-a1b2c3d4' },
    { args: ['Prod EU', 'web', 'Deployment', 'shop..api.', 'x'], want: 'trueup/adopt/prod-eu-web-deployment-shop.api-x' },
    { args: ['-e', 'a', 'K', '~:^', 'id'], want: 'trueup/adopt/e-a-k-x-id' },
  ];
  for (const { args: [environment = '', application = '', kind = '', name = '', id = ''], want } of cases) {
    const branch = adoptBranchName(environment, application, kind, name, id);
    assert.equal(branch, want);
    assert.doesNotThrow(() => checkBranch(branch));
  }
});

test('adopt target: a new branch by default, the branch asked for, direct only on the tracked branch', () => {
  const fresh = (): string => 'trueup/adopt/new';
  assert.deepEqual(adoptTarget('main', undefined, fresh), { branch: 'trueup/adopt/new', direct: false });
  assert.deepEqual(adoptTarget('main', 'fix/motd', fresh), { branch: 'fix/motd', direct: false });
  assert.deepEqual(adoptTarget('main', 'main', fresh), { branch: 'main', direct: true });
  assert.deepEqual(adoptTarget('refs/heads/main', 'main', fresh), { branch: 'main', direct: true });
  assert.deepEqual(adoptTarget('main', 'refs/heads/main', fresh), { branch: 'main', direct: true });
});
